package rules

import (
	"strings"
	"testing"
	"text/template"

	"github.com/hookdev/hook/internal/callback"
)

// The fast path renders exactly what text/template renders, for every kind
// of key it takes, and leaves the rest to the template.
func TestKeyTemplateMatchesTextTemplate(t *testing.T) {
	ev := exitEvent(2)
	ev.TaskID = "t-1"
	ev.ErrorCode = "E1"
	d := TemplateData{Facts: NewFacts(testCatalog(t), ev), Rule: "r", Severity: "warning", Count: 3}
	for _, tc := range []struct {
		src   string
		plain bool
	}{
		{DefaultDedupKey, true},
		{DefaultPendingKey, true},
		{DefaultThresholdPer, true},
		{"{{.Task}}", true},
		{"{{.Rule}}:{{.Count}}:{{.ErrorCode}}", true},
		{"{{.Reason.Name}}/{{.Role.Title}}/{{.LeaveCode.Value}}/{{.RelayStatus.Value}}", true},
		{"literal only", true},
		{"{{.Room | upper}}", false},
		{"{{with .User}}{{.}}{{end}}", false},
		{"{{.Payload.Stats}}", false},
		{"{{.Severity}}", false},
	} {
		tmpl := template.Must(template.New("k").Funcs(templateFuncs).Parse(tc.src))
		var want strings.Builder
		if err := tmpl.Execute(&want, d); err != nil {
			t.Fatal(err)
		}
		k := newKeyTemplate(tmpl)
		if (k.parts != nil) != tc.plain {
			t.Errorf("%s: plain = %v, want %v", tc.src, k.parts != nil, tc.plain)
		}
		got, ok := k.render(&d)
		if !ok || got != want.String() {
			t.Errorf("%s: rendered %q, %v; text/template says %q", tc.src, got, ok, want.String())
		}
	}
	absent := TemplateData{Facts: NewFacts(testCatalog(t), callback.Event{Reason: callback.Absent, Role: callback.Absent})}
	k := newKeyTemplate(template.Must(template.New("k").Parse("{{.Reason.Value}}")))
	if got, _ := k.render(&absent); got != "-1" {
		t.Errorf("an absent code renders %q, want -1 as text/template does", got)
	}
}

func BenchmarkDefaultDedupKey(b *testing.B) {
	d := TemplateData{Facts: NewFacts(testCatalog(b), exitEvent(2)), Rule: "r"}
	k := parseDefaults().dedupKey
	b.ReportAllocs()
	for b.Loop() {
		k.render(&d)
	}
}
