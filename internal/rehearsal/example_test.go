package rehearsal_test

import (
	"cmp"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/rules"
)

// callApp is the app rules.example.yaml declares a call app.
const callApp = "1400000002"

// otherApps are the cases of TestExamplePagesFailuresAndNotRoutine sent by
// an app other than the live one: the call app, and an app the rules do
// not list (treated as live).
var otherApps = map[string]string{"call participant times out": callApp, "unlisted app's anchor times out": "1400000099"}

// shippedRules are rules.example.yaml as the binary embeds it.
func shippedRules(t testing.TB, cat *catalog.Catalog) *rules.Ruleset {
	t.Helper()
	rs, err := rules.Compile(hook.ExampleRulesName, hook.ExampleRules, cat, allAppsKey)
	if err != nil {
		t.Fatalf("example rules: %v", err)
	}
	return rs
}

// The shipped example pages what a TRTC operator must act on, once, and
// stays quiet for routine events, audience churn and what TRTC heals by
// itself (a relay that recovers, a single ingest failure TRTC retries).
func TestExamplePagesFailuresAndNotRoutine(t *testing.T) {
	cat := catalogtest.New(t)
	rs := shippedRules(t, cat)
	body := func(at time.Duration, group, typ int, info string) string {
		ms := t0.Add(at).UnixMilli()
		return fmt.Sprintf(`{"EventGroupId":%d,"EventType":%d,"CallbackTs":%d,"EventInfo":{"RoomId":"r1","EventMsTs":%d,"TaskId":"t1","UserId":"u1"%s}}`,
			group, typ, ms, ms, info)
	}
	one := func(group, typ int, info string) []string { return []string{body(0, group, typ, info)} }
	for _, tc := range []struct {
		name   string
		bodies []string
		rule   string // the rule that pages; "" for none
	}{
		{"anchor times out, no return", one(1, 104, `,"Role":20,"Reason":2`), "live-anchor-gone"},
		{"anchor force-closed, no return", one(1, 104, `,"Role":20,"Reason":5`), "live-anchor-gone"},
		{"anchor back within 30 s", []string{body(0, 1, 104, `,"Role":20,"Reason":2`), body(10*time.Second, 1, 103, `,"Role":20,"Reason":1`)}, ""},
		{"audience member times out", one(1, 104, `,"Role":21,"Reason":2`), ""},
		// The example's call app: everyone is role 20, and one caller losing
		// signal is nobody's page.
		{"call participant times out", one(1, 104, `,"Role":20,"Reason":2`), ""},
		{"unlisted app's anchor times out", one(1, 104, `,"Role":20,"Reason":2`), "live-anchor-gone"},
		{"301 start failed", one(3, 301, `,"Payload":{"Status":1}`), "recording-start-failed"},
		{"302 removed by the server", one(3, 302, `,"Payload":{"LeaveCode":3}`), "recording-stopped-abnormally"},
		{"302 user entered elsewhere", one(3, 302, `,"Payload":{"LeaveCode":101}`), "recording-stopped-abnormally"},
		{"302 stopped by the API", one(3, 302, `,"Payload":{"LeaveCode":0}`), ""},
		{"303 upload start failed", one(3, 303, `,"Payload":{"Status":1}`), "recording-upload-start-failed"},
		{"305 files remain", one(3, 305, `,"Payload":{"Status":1}`), "recording-upload-incomplete"},
		{"308 upload error", one(3, 308, `,"Payload":{"Code":"E1","Message":"boom"}`), "recording-upload-error"},
		{"310 MP4 files remain", one(3, 310, `,"Payload":{"Status":1}`), "recording-vod-failed"},
		{"310 MP4 failed", one(3, 310, `,"Payload":{"Status":2}`), "recording-vod-failed"},
		{"310 MP4 done", one(3, 310, `,"Payload":{"Status":0}`), ""},
		{"311 VOD files remain", one(3, 311, `,"Payload":{"Status":1}`), "recording-vod-failed"},
		{"311 VOD failed", one(3, 311, `,"Payload":{"Status":2}`), "recording-vod-failed"},
		{"312 VOD stopped abnormally", one(3, 312, `,"Payload":{"Status":1}`), "recording-vod-failed"},
		{"312 VOD stopped normally", one(3, 312, `,"Payload":{"Status":0}`), ""},
		{"801 web recording failed", one(8, 801, `,"Payload":{"Status":2}`), "web-recording-failed"},
		{"801 web recording stopped on an exception", one(8, 801, `,"Payload":{"Status":5}`), "web-recording-failed"},
		{"801 web recording started", one(8, 801, `,"Payload":{"Status":1}`), ""},
		{"801 web recording migrated", one(8, 801, `,"Payload":{"Status":4}`), ""},
		{"804 web recording limit", one(8, 804, `,"Payload":{"Status":1}`), "web-recording-limit"},
		{"401 relay failure, no recovery", one(4, 401, `,"Payload":{"Status":4}`), "relay-failed"},
		// TRTC sends FAILURE after 60 s of retries: final, paged at once.
		{"401 relay failure, running again", []string{body(0, 4, 401, `,"Payload":{"Status":4}`), body(20*time.Second, 4, 401, `,"Payload":{"Status":2}`)}, "relay-failed"},
		{"401 relay recovering, once", one(4, 401, `,"Payload":{"Status":3}`), ""},
		{"701 ingest failed once", one(7, 701, `,"Status":1`), ""},
		{"701 ingest failed three times", []string{body(0, 7, 701, `,"Status":1`), body(time.Minute, 7, 701, `,"Status":1`), body(2*time.Minute, 7, 701, `,"Status":1`)}, "ingest-failed"},
		{"101 room created", one(1, 101, ``), ""},
		{"103 normal enter", one(1, 103, `,"Role":20,"Reason":1`), ""},
		{"201 video start", one(2, 201, ``), ""},
		{"203 audio start", one(2, 203, ``), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var evs []callback.Event
			for _, b := range tc.bodies {
				ev, err := callback.Decode(cmp.Or(otherApps[tc.name], app), []byte(b))
				if err != nil {
					t.Fatal(err)
				}
				evs = append(evs, ev)
			}
			steps, err := rehearsal.Run(context.Background(), cat, rs, evs, 3*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			var paged []string
			for _, st := range steps {
				for _, p := range st.Pages {
					paged = append(paged, p.Rule)
				}
			}
			switch {
			case tc.rule == "" && len(paged) > 0:
				t.Errorf("paged %v, want nobody", paged)
			case tc.rule != "" && (len(paged) != 1 || paged[0] != tc.rule):
				t.Errorf("paged %v, want one page of %s", paged, tc.rule)
			}
		})
	}
}
