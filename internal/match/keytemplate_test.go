package match

import (
	"strings"
	"testing"
	"text/template"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

// The fast path renders exactly what text/template renders, for every kind
// of key it takes, and leaves the rest to the template.
func TestKeyTemplateMatchesTextTemplate(t *testing.T) {
	ev := callbacktest.Exit(2)
	ev.TaskID = "t-1"
	ev.ErrorCode = "E1"
	f := NewFacts(catalogtest.New(t), ev)
	d := TemplateData{Facts: &f, Rule: "r", Severity: "warning", Count: 3}
	for _, tc := range []struct {
		src   string
		plain bool
	}{
		{defaultDedupKey, true},
		{`{{.App}}/{{.RoomKey}}/{{.User}}`, true},
		{`{{.App}}/{{.RoomKey}}`, true},
		{"{{.Task}}", true},
		{"{{.Rule}}:{{.Count}}:{{.ErrorCode}}", true},
		{"{{.Reason.Name}}/{{.Role.Title}}/{{.LeaveCode.Value}}/{{.RelayStatus.Value}}", true},
		{"literal only", true},
		{"{{.Room | upper}}", false},
		{"{{with .User}}{{.}}{{end}}", false},
		{"{{.Payload.Stats}}", false},
		{"{{.Severity}}", false},
	} {
		tmpl := template.Must(template.New("k").Funcs(TemplateFuncs()).Parse(tc.src))
		var want strings.Builder
		if err := tmpl.Execute(&want, d); err != nil {
			t.Fatal(err)
		}
		k := NewKeyTemplate(tmpl)
		if (k.parts != nil) != tc.plain {
			t.Errorf("%s: plain = %v, want %v", tc.src, k.parts != nil, tc.plain)
		}
		got, ok := k.Render(&d)
		if !ok || got != want.String() {
			t.Errorf("%s: rendered %q, %v; text/template says %q", tc.src, got, ok, want.String())
		}
	}
	none := NewFacts(catalogtest.New(t), callback.Event{Reason: callback.Absent, Role: callback.Absent})
	absent := TemplateData{Facts: &none}
	k := NewKeyTemplate(template.Must(template.New("k").Parse("{{.Reason.Value}}")))
	if got, _ := k.Render(&absent); got != "-1" {
		t.Errorf("an absent code renders %q, want -1 as text/template does", got)
	}
}

func BenchmarkDefaultDedupKey(b *testing.B) {
	f := NewFacts(catalogtest.New(b), callbacktest.Exit(2))
	d := TemplateData{Facts: &f, Rule: "r"}
	k := NewKeyTemplate(template.Must(template.New("default dedup key").Funcs(TemplateFuncs()).Parse(defaultDedupKey)))
	b.ReportAllocs()
	for b.Loop() {
		k.Render(&d)
	}
}

// A plain title or text template shown on a page renders as the template
// does on forDisplay's data: client values inert, the operator's words and
// the catalogue's as written.
func TestPlainDisplayMatchesTheTemplate(t *testing.T) {
	hostile := []string{"u42", "x`\n*Status*\nRESOLVED", "> quote\r\n# head", "\u202eevil\u2066", "<!here> <@U1>", "_a_ ~b~ `c`", ""}
	for _, src := range []string{
		"Users dropping out of room {{.Room}}",
		"Anchor {{.User}} dropped out of room {{.Room}}: {{.Reason.Title}}",
		"{{.App}}/{{.RoomKey}}/{{.Task}} {{.ErrorCode}} rule {{.Rule}} x{{.Count}} {{.Event.Name}} {{.Reason.Value}}",
		"{{.User}}",
	} {
		k := NewKeyTemplate(template.Must(template.New("title").Funcs(TemplateFuncs()).Parse(src)))
		if k.parts == nil {
			t.Fatalf("%s: not plain", src)
		}
		for _, h := range hostile {
			ev := callbacktest.Exit(2)
			ev.UserID, ev.RoomID, ev.TaskID, ev.ErrorCode = h, h, h, h
			f := NewFacts(catalogtest.New(t), ev)
			data := TemplateData{Facts: &f, Rule: "r*`", Severity: "critical", Count: 3}
			shown := data.forDisplay()
			if data.User != h || f.User != h {
				t.Fatalf("forDisplay changed the callback's own facts: user %q", data.User)
			}
			want := render(k.t, shown)
			if got := k.display(&data, &shown); got != want {
				t.Errorf("%s with %q:\n got %q\nwant %q", src, h, got, want)
			}
		}
	}
}

// defaultDedupKey is rules.DefaultDedupKey, the key nearly every alert renders.
const defaultDedupKey = `{{.App}}/{{.RoomKey}}/{{.User}}/{{.Event.Value}}`
