package engine

import (
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
)

// TestRunbookOnEveryPage: the runbook rides on the notification of every
// kind of rule, so the firing page, a group's updates (which start from
// the group's first notification) and a resolved page (which the store
// builds from the page it resolves) all have it.
func TestRunbookOnEveryPage(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: plain
    match: {event: room.exit, reason: kicked}
    runbook: https://wiki.example.com/plain
    continue: true
  - name: threshold
    match: {event: room.exit}
    threshold: {count: 3, within: 1m}
    runbook: {url: https://wiki.example.com/threshold, text: Check the region.}
    continue: true
  - name: pending
    match: {event: room.exit}
    for: 30s
    clear: {event: room.enter}
    runbook: Call the anchor.
    continue: true
  - name: grouped
    match: {event: room.exit}
    group_by: [room]
    runbook: https://wiki.example.com/grouped
`)
	f := match.NewFacts(catalogtest.New(t), callbacktest.Exit(3))
	want := map[string]alert.Runbook{
		"plain":     {URL: "https://wiki.example.com/plain"},
		"threshold": {URL: "https://wiki.example.com/threshold", Text: "Check the region."},
		"pending":   {Text: "Call the anchor."},
		"grouped":   {URL: "https://wiki.example.com/grouped"},
	}
	seen := 0
	for _, a := range Alerts(rs, &f, time.Unix(1700000000, 0)) {
		w, ok := want[a.Rule]
		if !ok {
			continue
		}
		seen++
		if rb := a.Notification.Runbook; rb == nil || *rb != w {
			t.Errorf("%s (%s): runbook %+v, want %+v", a.Rule, a.Op, rb, w)
		}
		// It survives the outbox.
		b, err := a.Notification.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := alert.UnmarshalNotification(b)
		if err != nil || back.Runbook == nil || *back.Runbook != w {
			t.Errorf("%s: after the outbox %+v, %v", a.Rule, back.Runbook, err)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d rules alerted", seen, len(want))
	}
}
