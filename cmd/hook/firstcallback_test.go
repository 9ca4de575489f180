package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/silence"
	"github.com/hookdev/hook/internal/state"
)

// anchorTimeout is the README's first callback: anchor u42 leaves room 8489
// by timeout, now. Under the example rules it opens live-anchor-gone's pending
// alert (for: 30s, clear: event room.enter).
func anchorTimeout() []byte {
	now := time.Now()
	return fmt.Appendf(nil, `{"EventGroupId":1,"EventType":104,"CallbackTs":%d,"EventInfo":{"RoomId":8489,"EventTs":%d,"EventMsTs":%d,"UserId":"u42","Role":20,"Reason":2}}`,
		now.UnixMilli(), now.Unix(), now.UnixMilli())
}

// TestFirstCallbackIsVisible: the first callback a newcomer sends opens a
// pending alert, and the log says so at info at once: which rule, when it
// will page, what clears it. A redelivery opens nothing new and says nothing.
func TestFirstCallbackIsVisible(t *testing.T) {
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "k"})
	sent := time.Now()
	if code := post(t, s.url, "1400000001", "k", anchorTimeout()); code != http.StatusOK {
		t.Fatalf("callback: %d", code)
	}
	line := regexp.MustCompile(`level=INFO msg="pending alert opened: it pages unless cleared first" rule=live-anchor-gone app=1400000001 room=8489 user=u42 pages_at=(\S+) in=(\S+) cleared_by="event \[room.enter, room.change_role\], role anchor" key=1400000001/8489/u42`)
	var m []string
	waitFor(t, 5*time.Second, "the pending alert's log line", func() bool {
		m = line.FindStringSubmatch(s.stderr.String())
		return m != nil
	})
	at, err := time.Parse(time.RFC3339Nano, m[1])
	if err != nil || at.Before(sent.Add(29*time.Second)) || at.After(time.Now().Add(31*time.Second)) {
		t.Errorf("pages_at %s (%v), want 30 s after the callback (%s)", m[1], err, sent.UTC())
	}
	if m[2] != "30s" && m[2] != "29s" {
		t.Errorf("in=%s, want 30s", m[2])
	}
	// The same callback again: a duplicate, no second opening.
	post(t, s.url, "1400000001", "k", anchorTimeout())
	time.Sleep(200 * time.Millisecond)
	if n := strings.Count(s.stderr.String(), "pending alert opened"); n != 1 {
		t.Errorf("%d opening lines, want 1:\n%s", n, s.stderr.String())
	}
}

// TestNoMigrationOnAFreshInstall: a hook that never ran before partitioning
// says nothing about migrating, at its first start or at a restart after a
// silence was added (silences keep a copy in the single-slot layout, which a
// restart copies again: that is not a migration). A real hook from before
// partitioning still gets its line.
func TestNoMigrationOnAFreshInstall(t *testing.T) {
	mr := miniredis.RunT(t)
	env := map[string]string{"HOOK_REDIS_URL": "redis://" + mr.Addr(), "HOOK_ADMIN_TOKEN": "tok", "TRTC_CALLBACK_KEY": "k"}
	settled := func(s *served) string {
		t.Helper()
		waitFor(t, 5*time.Second, "hook to check for old silences", func() bool { return strings.Contains(s.stderr.String(), "level=INFO") })
		time.Sleep(300 * time.Millisecond) // migrate runs once Redis answers
		return s.stderr.String()
	}
	first := startServe(t, env)
	body, _ := json.Marshal(handler.SilenceRequest{Matchers: map[string]string{"room": "8489"}, Author: "a", Comment: "c", Duration: "1h"})
	req, _ := http.NewRequest(http.MethodPost, first.url+"/api/v1/silences", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add silence: %v %v", resp, err)
	}
	resp.Body.Close()
	logs := settled(first)
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	logs += settled(startServe(t, env))
	for _, word := range []string{"single-slot", "migrat"} {
		if strings.Contains(logs, word) {
			t.Errorf("a fresh install logs %q:\n%s", word, logs)
		}
	}

	// A hook from before partitioning left a silence in its single slot.
	rdb, mr2 := redistest.Mini(t)
	old := silence.New(rdb, state.New(rdb, keyPrefix).Layout())
	if _, err := old.AddSilence(context.Background(), alert.Silence{Matchers: map[string]string{"room": "1"}, EndsAt: time.Now().Add(time.Hour)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	env["HOOK_REDIS_URL"] = "redis://" + mr2.Addr()
	upgraded := startServe(t, env)
	waitFor(t, 5*time.Second, "the migration line", func() bool {
		return strings.Contains(upgraded.stderr.String(), `msg="copied silences of the single-slot layout into every partition" silences=1`)
	})
}
