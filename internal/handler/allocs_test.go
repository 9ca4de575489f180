package handler

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
)

// alertingAllocs is what an alerting callback may allocate, all told (what
// BenchmarkAlertingCallback reports against a real redis-server): the
// HTTP path, the rules, the op and notification encoded, the round trip.
// Allocation counts, unlike times, are the same on any machine.
const alertingAllocs = 60

// TestAlertingCallbackAllocs pins alertingAllocs: a change that allocates
// more per page (an encoder that reflects its way through the op, a copy
// per receiver) fails here, not in a benchmark nobody reads.
func TestAlertingCallbackAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test starts a redis-server (CI runs it)")
	}
	h, _ := pipelineOn(t, redistest.Start(t))
	const runs = 200
	reqs := make([]*http.Request, runs+1) // AllocsPerRun runs f once more, to warm up
	recs := make([]*httptest.ResponseRecorder, runs+1)
	for i := range reqs {
		// A fresh task each time: every callback pages.
		reqs[i] = signedRequest(fmt.Sprintf(`{"EventGroupId":3,"EventType":308,"CallbackTs":%d,"EventInfo":{"RoomId":"8489","TaskId":"t%d","Payload":{"Code":"E","Message":"m"}}}`, time.Now().UnixMilli(), i))
		recs[i] = httptest.NewRecorder()
	}
	i := 0
	allocs := testing.AllocsPerRun(runs, func() {
		h.ServeHTTP(recs[i], reqs[i])
		i++
	})
	for _, rec := range recs {
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	if allocs > alertingAllocs {
		t.Errorf("an alerting callback allocates %.1f times, want at most %d", allocs, alertingAllocs)
	}
	t.Logf("%.1f allocations per alerting callback", allocs)
}
