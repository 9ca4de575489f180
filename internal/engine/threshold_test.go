package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
)

// The alerts of thresholds say what the store needs to count them: share
// and whose, where their state lives, whether they rearm; their
// notifications carry the condition in numbers and each member's role and
// reason.
func TestThresholdAlerts(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: room-outage
    match: {event: room.exit}
    threshold: {count: 3, share: 30%, within: 40s}
    for: 20s
    clear: {event: room.enter}
    continue: true
  - name: app-outage
    match: {event: room.exit}
    threshold: {count: 5, share: 12.5%, of: app, within: 1m, per: "{{.App}}"}
    continue: true
  - name: drops
    match: {event: room.exit}
    threshold: {count: 3, within: 1m}
    continue: true
  - name: per-user
    match: {event: room.exit}
    for: 30s
    clear: {event: room.enter}
  - name: flapping
    match: {event: relay.cdn_status, relay_status: recovering}
    threshold: {count: 3, within: 10m, per: "{{.App}}/{{.Task}}", rearm: {relay_status: running}}
`)
	f := match.NewFacts(catalogtest.New(t), callbacktest.Exit(2))
	now := time.Unix(1700000000, 0)
	got := map[string]alert.Alert{}
	for _, a := range Alerts(rs, &f, now) {
		got[a.Rule] = a
	}
	for _, tc := range []struct {
		rule               string
		share              int
		of                 string
		appWide, rearm     bool
		role, reason       string
		why                *alert.Why
		incident, stateKey string
		forWait            time.Duration
	}{
		{rule: "room-outage", share: 3000, of: alert.OfRoom, role: "Anchor", reason: "Timeout", forWait: 20 * time.Second,
			why:      &alert.Why{Need: 3, Share: 0.3, Of: alert.OfRoom, Within: 40 * time.Second, For: 20 * time.Second},
			incident: "1400000001/8489", stateKey: "1400000001/8489"},
		{rule: "app-outage", share: 1250, of: alert.OfApp, appWide: true, role: "Anchor", reason: "Timeout",
			why:      &alert.Why{Need: 5, Share: 0.125, Of: alert.OfApp, Within: time.Minute},
			incident: "1400000001", stateKey: "1400000001"},
		{rule: "drops", role: "Anchor", reason: "Timeout", why: &alert.Why{Need: 3, Within: time.Minute},
			incident: "1400000001/8489", stateKey: "1400000001/8489"},
		{rule: "per-user", why: &alert.Why{For: 30 * time.Second}, incident: "1400000001/8489",
			stateKey: "1400000001/8489/u42", forWait: 30 * time.Second},
	} {
		a, ok := got[tc.rule]
		if !ok {
			t.Errorf("%s: no alert", tc.rule)
			continue
		}
		if a.Share != tc.share || a.Of != tc.of || a.AppWide != tc.appWide || a.Rearm != tc.rearm || a.For != tc.forWait {
			t.Errorf("%s: share %d of %q, app-wide %v, rearm %v, for %s", tc.rule, a.Share, a.Of, a.AppWide, a.Rearm, a.For)
		}
		if a.MemberRole != tc.role || a.MemberReason != tc.reason {
			t.Errorf("%s: member role %q reason %q, want %q %q", tc.rule, a.MemberRole, a.MemberReason, tc.role, tc.reason)
		}
		if w := a.Notification.Why; w == nil || *w != *tc.why {
			t.Errorf("%s: why %+v, want %+v", tc.rule, w, tc.why)
		}
		if a.Notification.Incident != tc.incident || a.StateKey != tc.stateKey {
			t.Errorf("%s: incident %q, state key %q; want %q, %q", tc.rule, a.Notification.Incident, a.StateKey, tc.incident, tc.stateKey)
		}
	}

	// Back in the room: a recovery for the room's threshold (in the room's
	// partition) and a clear for the per-user alert.
	enter := callbacktest.Exit(1)
	enter.Type = 103
	f = match.NewFacts(catalogtest.New(t), enter)
	var ops []string
	for _, a := range Alerts(rs, &f, now) {
		ops = append(ops, a.Rule+":"+string(a.Op))
		if a.AppWide {
			t.Errorf("%s: a recovery of a per-room threshold is app-wide", a.Rule)
		}
	}
	if want := "room-outage:recover,per-user:clear"; strings.Join(ops, ",") != want {
		t.Errorf("enter: %s, want %s", strings.Join(ops, ","), want)
	}

	// A relay: recovering counts once per episode; running rearms it.
	relay := func(status int) callback.Event {
		return callback.Event{AppID: "1400000001", Group: 4, Type: 401, EventMs: 1700000000000, RoomID: "8489", TaskID: "t1",
			Role: -1, TerminalType: -1, UserType: -1, Reason: -1, Status: status, LeaveCode: -1, RoomType: -1}
	}
	f = match.NewFacts(catalogtest.New(t), relay(3))
	as := Alerts(rs, &f, now)
	// Its key names the task, not the room: it is counted in the app's
	// partition, which is as right (a task lives in one room) if less spread.
	if len(as) != 1 || as[0].Op != alert.OpThreshold || !as[0].Rearm || as[0].MemberRole != "" || !as[0].AppWide {
		t.Errorf("recovering: %+v, want one app-wide threshold alert that rearms, about a task", as)
	}
	f = match.NewFacts(catalogtest.New(t), relay(2))
	as = Alerts(rs, &f, now)
	if len(as) != 1 || as[0].Op != alert.OpRearm || as[0].StateKey != "1400000001/t1" || as[0].Within != 10*time.Minute || !as[0].AppWide {
		t.Errorf("running: %+v, want one rearm of 1400000001/t1", as)
	}
}

// An app-wide threshold that waits for recovery takes members back in the
// app's partition too.
func TestAppWideRecovery(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: app-outage
    match: {event: room.exit}
    threshold: {count: 5, within: 1m, per: "{{.App}}"}
    for: 20s
    clear: {event: room.enter}
`)
	enter := callbacktest.Exit(1)
	enter.Type = 103
	f := match.NewFacts(catalogtest.New(t), enter)
	as := Alerts(rs, &f, time.Now())
	if len(as) != 1 || as[0].Op != alert.OpRecover || !as[0].AppWide || as[0].StateKey != "1400000001" {
		t.Errorf("%+v, want an app-wide recovery of 1400000001", as)
	}
}

// `hook test` says what a relative, app-wide or rearming threshold counts.
func TestExplainThresholds(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: app-outage
    match: {event: room.exit}
    threshold: {count: 5, share: 30%, of: app, within: 1m, per: "{{.App}}"}
    for: 20s
    clear: {event: room.enter}
    continue: true
  - name: room-outage
    match: {event: room.exit}
    threshold: {count: 3, share: 50%, within: 40s}
  - name: flapping
    match: {event: relay.cdn_status, relay_status: recovering}
    threshold: {count: 3, within: 10m, per: "{{.App}}/{{.Task}}", rearm: {relay_status: running}}
`)
	f := match.NewFacts(catalogtest.New(t), callbacktest.Exit(2))
	ex, err := Explain(rs, &f, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, e := range ex {
		states = append(states, e.State)
	}
	all := strings.Join(states, "\n")
	for _, want := range []string{
		"threshold: counts u42 towards 5 and 30% of the app's users (present, plus those counted away) within 1m0s for 1400000001; once reached, waits 20s",
		"app-wide: the key does not name the room, so every room of app 1400000001 counts together and pages once",
		"threshold: counts u42 towards 3 and 50% of the room's users (present, plus those counted away) within 40s for 1400000001/8489; pages when both are reached",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("explanations lack %q:\n%s", want, all)
		}
	}
	relay := callback.Event{AppID: "1400000001", Group: 4, Type: 401, EventMs: 1700000000000, RoomID: "8489", TaskID: "t1",
		Role: -1, TerminalType: -1, UserType: -1, Reason: -1, Status: 2, LeaveCode: -1, RoomType: -1}
	f = match.NewFacts(catalogtest.New(t), relay)
	ex, _ = Explain(rs, &f, time.Now())
	found := false
	for _, e := range ex {
		if e.Clears && e.Rule == "flapping" && strings.Contains(e.Why, "rearm: this event ends the episode counted for 1400000001/t1") {
			found = true
		}
	}
	if !found {
		t.Errorf("no rearm explanation: %+v", ex)
	}
}
