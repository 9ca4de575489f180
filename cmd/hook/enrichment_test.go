package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/population"
)

// fakeTencentCloud answers TRTC's call-quality API the way the real one
// shapes its answers (internal/enrich's tests check the TC3 signature and
// every documented shape; this one checks that a request is signed at all).
type fakeTencentCloud struct {
	mu      sync.Mutex
	actions []string
	answer  map[string]any // action -> Response payload
}

func (f *fakeTencentCloud) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	action := r.Header.Get("X-TC-Action")
	f.mu.Lock()
	f.actions = append(f.actions, action)
	payload, ok := f.answer[action].(map[string]any)
	f.mu.Unlock()
	resp := map[string]any{"RequestId": "req-1"}
	switch {
	case !strings.HasPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 Credential=AKIDe2e/"):
		resp["Error"] = map[string]any{"Code": "AuthFailure.SignatureFailure", "Message": "unsigned"}
	case !ok:
		resp["Error"] = map[string]any{"Code": "ResourceNotFound", "Message": "no data"}
	default:
		for k, v := range payload {
			resp[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": resp})
}

func (f *fakeTencentCloud) Actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.actions...)
}

// userDroppedRules pages the console when a user drops (a timeout exit),
// the page the enrichment tests look at.
const userDroppedRules = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: user-dropped
    match: {event: room.exit, reason: timeout}
`

// A user who drops out is paged with what their client reported around the
// drop, each id decoded through the catalogue, and what their room entry
// (103) said of their client, from the room population serve keeps; the
// callback answer never waits for it.
func TestEndToEndEnrichedPage(t *testing.T) {
	drop := time.Now().Add(-time.Second)
	created := drop.Add(-time.Minute)
	api := &fakeTencentCloud{answer: map[string]any{
		"DescribeRoomInfo": map[string]any{"Total": 1, "RoomList": []any{map[string]any{
			"CommId": "1400000001_8489_" + strconv.FormatInt(created.Unix(), 10), "RoomString": "8489", "CreateTime": created.Unix()}}},
		"DescribeUserEvent": map[string]any{"Data": []any{map[string]any{"PeerId": "u42", "Content": []any{
			map[string]any{"Type": 0, "Time": drop.Add(-3 * time.Second).UnixMilli(), "EventId": 5005, "ParamOne": -1, "ParamTwo": -1},
		}}}},
	}}
	fake := httptest.NewServer(api)
	defer fake.Close()
	rulesFile := writeFile(t, "rules.yaml", userDroppedRules)
	var pop *population.Tracker
	srv := startServeWith(t, map[string]string{
		"TRTC_CALLBACK_KEY": "k", "HOOK_RULES": rulesFile,
		"TENCENTCLOUD_SECRET_ID": "AKIDe2e", "TENCENTCLOUD_SECRET_KEY": "secret", "HOOK_TRTC_API_URL": fake.URL,
	}, &serveHooks{population: func(p *population.Tracker) { pop = p }})
	send := func(body []byte) {
		t.Helper()
		if code, resp := postBody(t, srv.url, "1400000001", "k", body); code != http.StatusOK {
			t.Fatalf("callback: %d %s", code, resp)
		}
	}
	send(callbackBody(1, 101, map[string]any{"RoomId": 8489, "EventMsTs": created.UnixMilli()}))
	// u42 enters from the Android app (TerminalType 2, UserType 3: native SDK).
	send(callbackBody(1, 103, map[string]any{"RoomId": 8489, "UserId": "u42", "Role": 20, "Reason": 1, "TerminalType": 2, "UserType": 3,
		"EventMsTs": created.Add(time.Second).UnixMilli()}))
	// The population writes within milliseconds; a 104 answered before
	// that would find the room entry not written yet.
	waitFor(t, 10*time.Second, "u42's entry in the room population", func() bool {
		_, ok, err := pop.Member(context.Background(), "1400000001", "8489", "u42")
		return ok && err == nil
	})
	send(callbackBody(1, 104, map[string]any{"RoomId": 8489, "UserId": "u42", "Role": 20, "Reason": 2, "EventMsTs": drop.UnixMilli()}))
	waitFor(t, 10*time.Second, "the enriched page", func() bool { return strings.Contains(srv.stdout.String(), "saw:") })
	out := srv.stdout.String()
	if !strings.Contains(out, "5005 ") || !strings.Contains(out, "user-dropped") {
		t.Errorf("page lacks what the client saw:\n%s", out)
	}
	if !strings.Contains(out, "Client: Android · Native SDK") {
		t.Errorf("page lacks the client u42's room entry told:\n%s", out)
	}
	// The call's CommId always comes from DescribeRoomInfo (the creation from
	// callback 101 picks the call); nothing is missing.
	if got := api.Actions(); len(got) != 2 || got[0] != "DescribeRoomInfo" || got[1] != "DescribeUserEvent" {
		t.Errorf("API calls %v, want DescribeRoomInfo then DescribeUserEvent", got)
	}
	if strings.Contains(out, "missing:") {
		t.Errorf("page says data is missing:\n%s", out)
	}
	if !strings.Contains(srv.stderr.String(), "call-quality enrichment on") {
		t.Errorf("no log line says enrichment is on:\n%s", srv.stderr.String())
	}
}

// When the API has nothing (or fails), the page goes out without it; pages
// about TRTC's own tasks (a recording) are not enriched at all.
func TestEndToEndEnrichmentFailureStillPages(t *testing.T) {
	api := &fakeTencentCloud{answer: map[string]any{}} // every action: ResourceNotFound
	fake := httptest.NewServer(api)
	defer fake.Close()
	rulesFile := writeFile(t, "rules.yaml", userDroppedRules+`  - name: upload
    match: {event: recording.upload_error}
`)
	srv := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "k", "HOOK_RULES": rulesFile,
		"TENCENTCLOUD_SECRET_ID": "AKIDe2e", "TENCENTCLOUD_SECRET_KEY": "secret", "HOOK_TRTC_API_URL": fake.URL})
	exit := callbackBody(1, 104, map[string]any{"RoomId": 8489, "UserId": "u-alone", "Role": 20, "Reason": 2})
	for _, body := range [][]byte{exit, uploadError(9001, "t-enrich")} {
		if code, _ := postBody(t, srv.url, "1400000001", "k", body); code != http.StatusOK {
			t.Fatalf("callback: %d", code)
		}
	}
	waitFor(t, 10*time.Second, "both pages", func() bool {
		return strings.Contains(srv.stdout.String(), "t-enrich") && strings.Contains(srv.stdout.String(), "u-alone")
	})
	if strings.Contains(srv.stdout.String(), "saw:") {
		t.Errorf("a page shows enrichment the API did not give:\n%s", srv.stdout.String())
	}
	// Never silent: the user's page says what it lacks, the client their
	// room entry would have told included (hook never saw u-alone enter).
	for _, want := range []string{"missing: call-quality data unavailable: no data", "missing: client details unavailable: no data"} {
		if !strings.Contains(srv.stdout.String(), want) {
			t.Errorf("the page does not say %q:\n%s", want, srv.stdout.String())
		}
	}
	for _, a := range api.Actions() {
		if a == "DescribeUnusualEvent" {
			t.Errorf("the recording page was enriched (%v)", api.Actions())
		}
	}
}

// A refused key is never silent: the page says the call-quality data is
// missing and why, and the log warns (rate-limited) with TRTC's error.
func TestEndToEndEnrichmentRefusedIsOnThePage(t *testing.T) {
	api := &fakeTencentCloud{answer: map[string]any{}}
	fake := httptest.NewServer(api)
	defer fake.Close()
	rulesFile := writeFile(t, "rules.yaml", userDroppedRules)
	srv := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "k", "HOOK_RULES": rulesFile,
		"TENCENTCLOUD_SECRET_ID": "AKIDrevoked", "TENCENTCLOUD_SECRET_KEY": "secret", "HOOK_TRTC_API_URL": fake.URL})
	exit := callbackBody(1, 104, map[string]any{"RoomId": "12345", "UserId": "u-refused", "Role": 20, "Reason": 2})
	if code, _ := postBody(t, srv.url, "1400000001", "k", exit); code != http.StatusOK {
		t.Fatalf("callback: %d", code)
	}
	waitFor(t, 10*time.Second, "the page", func() bool { return strings.Contains(srv.stdout.String(), "u-refused") })
	if !strings.Contains(srv.stdout.String(), "missing: call-quality data unavailable: AuthFailure") {
		t.Errorf("the page does not say why the call-quality data is missing:\n%s", srv.stdout.String())
	}
	waitFor(t, 5*time.Second, "the warning", func() bool {
		return strings.Contains(srv.stderr.String(), "page enrichment incomplete") && strings.Contains(srv.stderr.String(), "AuthFailure")
	})
}
