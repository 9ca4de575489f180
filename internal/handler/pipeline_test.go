package handler

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/state"
	"github.com/hookdev/hook/internal/verify"
)

// countingStore is an engine.Store that counts round trips, wrapping a real one.
type countingStore struct {
	next  engine.Store
	calls atomic.Int64
}

func (c *countingStore) Fire(ctx context.Context, now time.Time, fs []alert.Alert) ([]alert.Verdict, error) {
	c.calls.Add(1)
	return c.next.Fire(ctx, now, fs)
}

func (c *countingStore) Tick(ctx context.Context, now time.Time, limit int) ([]alert.TickOutcome, error) {
	return c.next.Tick(ctx, now, limit)
}

// exampleRules compiles the shipped example with "bench-key" for every app.
func exampleRules(tb testing.TB) (*catalog.Catalog, *rules.Ruleset) {
	tb.Helper()
	cat := catalogtest.New(tb)
	env := func(k string) string {
		if k == rules.AllAppsKeyEnv {
			return "bench-key"
		}
		return ""
	}
	rs, err := rules.Compile(hook.ExampleRulesName, hook.ExampleRules, cat, env)
	if err != nil {
		tb.Fatal(err)
	}
	return cat, rs
}

// realPipeline is the handler over the example rules, a real router and a
// store on miniredis: everything but the network.
func realPipeline(tb testing.TB) (http.Handler, *countingStore) {
	tb.Helper()
	rdb, _ := redistest.Mini(tb)
	return pipelineOn(tb, rdb)
}

// pipelineOn is realPipeline over any Redis.
func pipelineOn(tb testing.TB, rdb redis.UniversalClient) (http.Handler, *countingStore) {
	tb.Helper()
	cat, rs := exampleRules(tb)
	st := &countingStore{next: state.New(rdb, "hook")}
	router := engine.New(cat, rs, st, time.Now, nil)
	h := New(Config{}, Deps{Router: router, Catalog: cat, Store: state.New(rdb, "hook"),
		Log: slog.New(slog.DiscardHandler), Now: time.Now})
	return h, st
}

func signedRequest(body string) *http.Request {
	return callbackRequest("1400000001", verify.Sign([]byte("bench-key"), []byte(body)), body)
}

// routineBody is a callback no example rule cares about: a user's video started.
func routineBody() string {
	return fmt.Sprintf(`{"EventGroupId":2,"EventType":201,"CallbackTs":%d,"EventInfo":{"RoomId":8489,"EventTs":1700000000,"EventMsTs":1700000000000,"UserId":"u42"}}`, time.Now().UnixMilli())
}

func TestRoutineCallbackTouchesNoRedis(t *testing.T) {
	h, st := realPipeline(t)
	for _, body := range []string{
		routineBody(),
		fmt.Sprintf(`{"EventGroupId":1,"EventType":101,"CallbackTs":%d,"EventInfo":{"RoomId":"8489","UserId":"u42"}}`, time.Now().UnixMilli()),
		fmt.Sprintf(`{"EventGroupId":2,"EventType":203,"CallbackTs":%d,"EventInfo":{"RoomId":"8489","UserId":"u42"}}`, time.Now().UnixMilli()),
	} {
		rec := serve(h, signedRequest(body))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	if n := st.calls.Load(); n != 0 {
		t.Fatalf("routine callbacks made %d store round trips, want 0", n)
	}
	alerting := fmt.Sprintf(`{"EventGroupId":3,"EventType":308,"CallbackTs":%d,"EventInfo":{"RoomId":"8489","TaskId":"t","Payload":{"Code":"E","Message":"m"}}}`, time.Now().UnixMilli())
	rec := serve(h, signedRequest(alerting))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if n := st.calls.Load(); n != 1 {
		t.Fatalf("an alerting callback made %d store round trips, want exactly 1", n)
	}
	// A user entering may clear a pending drop-out page (user-dropped's
	// clear:), so it is not routine: it costs exactly one round trip too.
	enter := fmt.Sprintf(`{"EventGroupId":1,"EventType":103,"CallbackTs":%d,"EventInfo":{"RoomId":8489,"EventMsTs":%d,"UserId":"u42","Reason":1}}`, time.Now().UnixMilli(), time.Now().UnixMilli())
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(enter))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if n := st.calls.Load(); n != 2 {
		t.Fatalf("a clearing callback made %d store round trips in all, want 1", n-1)
	}
}

// BenchmarkRoutineCallback measures the whole HTTP path for a callback that
// matches no rule: read, verify, decode, evaluate, answer.
func BenchmarkRoutineCallback(b *testing.B) {
	h, _ := realPipeline(b)
	body := routineBody()
	benchCallbacks(b, h, func(int) string { return body })
}

// BenchmarkAlertingCallback adds the one Redis round trip
// (miniredis in process, and a real redis-server over loopback), each a
// fresh task so every one pages.
func BenchmarkAlertingCallback(b *testing.B) {
	body := func(i int) string {
		return fmt.Sprintf(`{"EventGroupId":3,"EventType":308,"CallbackTs":%d,"EventInfo":{"RoomId":"8489","TaskId":"t%d","Payload":{"Code":"E","Message":"m"}}}`, time.Now().UnixMilli(), i)
	}
	b.Run("miniredis", func(b *testing.B) {
		h, _ := realPipeline(b)
		benchCallbacks(b, h, body)
	})
	b.Run("redis-server", func(b *testing.B) {
		h, _ := pipelineOn(b, redistest.Start(b))
		benchCallbacks(b, h, body)
	})
}

// benchCallbacks sends b.N signed callbacks (the i-th body is body(i)) to h.
// What a client does (format, sign, build the request) and the response
// recorder are prepared with the timer stopped, a batch at a time, so the
// time and allocations reported are hook's own, as a server sees them.
func benchCallbacks(b *testing.B, h http.Handler, body func(i int) string) {
	const batch = 1024
	reqs := make([]*http.Request, 0, batch)
	recs := make([]*httptest.ResponseRecorder, 0, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%batch == 0 {
			b.StopTimer()
			reqs, recs = reqs[:0], recs[:0]
			for j := i; j < min(i+batch, b.N); j++ {
				reqs = append(reqs, signedRequest(body(j)))
				recs = append(recs, httptest.NewRecorder())
			}
			b.StartTimer()
		}
		rec := recs[i%batch]
		h.ServeHTTP(rec, reqs[i%batch])
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func TestStoreDownAnswers503(t *testing.T) {
	cat, rs := exampleRules(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer rdb.Close()
	st := state.New(rdb, "hook")
	h := New(Config{}, Deps{Router: engine.New(cat, rs, st, time.Now, nil), Catalog: cat, Store: st,
		Log: slog.New(slog.DiscardHandler), Now: time.Now})
	mr.Close() // Redis goes away

	alerting := fmt.Sprintf(`{"EventGroupId":3,"EventType":308,"CallbackTs":%d,"EventInfo":{"RoomId":"8489","TaskId":"t"}}`, time.Now().UnixMilli())
	rec := serve(h, signedRequest(alerting))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("alerting callback with Redis down: %d %s, want 503 so TRTC retries", rec.Code, rec.Body)
	}
	// A routine callback needs no Redis, so it is still accepted.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(routineBody()))
	if rec.Code != http.StatusOK {
		t.Fatalf("routine callback with Redis down: %d, want 200", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with Redis down: %d, want 503", rec.Code)
	}
}
