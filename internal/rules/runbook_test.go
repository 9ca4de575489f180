package rules

import (
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
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
			got := rs.rules[0].Runbook // what its pages carry (engine's TestRunbookOnEveryPage)
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
		_, err := Compile("test.yaml", []byte(receiversYAML+"rules:\n  - name: r\n    match: {event: room.exit}\n    "+tt.yaml+"\n"), catalogtest.New(t), envMap(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Compile error:\n%v\nwant\n%s", err, tt.want)
		}
	}
}
