package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// TestRunbookForms reads each form `runbook:` takes into what pages carry.
func TestRunbookForms(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want *alert.Runbook
	}{
		{"none", "", nil},
		{"a link", `runbook: https://wiki.example.com/runbooks/room-outage`, &alert.Runbook{URL: "https://wiki.example.com/runbooks/room-outage"}},
		{"http, with a query", `runbook: "http://wiki.example.com/rb?a=1&b=%7C"`, &alert.Runbook{URL: "http://wiki.example.com/rb?a=1&b=%7C"}},
		{"a short text", `runbook: "Check the CDN first; then call the producer."`, &alert.Runbook{Text: "Check the CDN first; then call the producer."}},
		{"a text that mentions a link is a text", `runbook: "See https://wiki.example.com/rb"`, &alert.Runbook{Text: "See https://wiki.example.com/rb"}},
		{"both", "runbook:\n      url: https://trtc.io/document/40085\n      text: Check the region's network first.",
			&alert.Runbook{URL: "https://trtc.io/document/40085", Text: "Check the region's network first."}},
		{"a text of 300 characters", `runbook: "` + strings.Repeat("é", MaxRunbookText) + `"`, &alert.Runbook{Text: strings.Repeat("é", MaxRunbookText)}},
		{"a block text", "runbook: |\n      Check the CDN.\n      Then call the producer.", &alert.Runbook{Text: "Check the CDN.\nThen call the producer."}},
		{"null is none", "runbook: null", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := mustCompile(t, "rules:\n  - name: r\n    match: {event: room.exit}\n    "+tt.yaml+"\n")
			p := pagesOf(t, rs, exitEvent(2))
			if len(p) != 1 {
				t.Fatalf("%d pages", len(p))
			}
			got := p[0].Runbook
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("runbook %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestRunbookTooLong: the limits, with the hint to put the procedure
// behind a link.
func TestRunbookTooLong(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{`runbook: "` + strings.Repeat("x", MaxRunbookText+1) + `"`,
			`test.yaml:11:14: rule "r": runbook is 301 characters long, more than 300: put the procedure behind a link ({url: ..., text: ...})`},
		{`runbook: {url: https://x.example/rb, text: "` + strings.Repeat("x", 400) + `"}`,
			`test.yaml:11:48: rule "r": runbook.text is 400 characters long, more than 300: put the procedure behind a link ({url: ..., text: ...})`},
		{`runbook: https://x.example/` + strings.Repeat("a", MaxRunbookURL),
			`test.yaml:11:14: rule "r": runbook: the URL is 1018 characters long, more than 1000`},
		{"runbook: {url: https://x.example/a, url: https://x.example/b}",
			`test.yaml:11:41: rule "r": runbook.url: key given twice (first at line 11)`},
	} {
		_, err := Compile("test.yaml", []byte(receiversYAML+"rules:\n  - name: r\n    match: {event: room.exit}\n    "+tt.yaml+"\n"), testCatalog(t), envMap(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Compile error:\n%v\nwant\n%s", err, tt.want)
		}
	}
}

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
	f := NewFacts(testCatalog(t), exitEvent(3))
	want := map[string]alert.Runbook{
		"plain":     {URL: "https://wiki.example.com/plain"},
		"threshold": {URL: "https://wiki.example.com/threshold", Text: "Check the region."},
		"pending":   {Text: "Call the anchor."},
		"grouped":   {URL: "https://wiki.example.com/grouped"},
	}
	seen := 0
	for _, a := range rs.Alerts(&f, time.Unix(1700000000, 0)) {
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
