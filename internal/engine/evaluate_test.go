package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

const receiversYAML = `
receivers:
  - name: oncall
    slack: {channel: "#oncall", mentions: {critical: ["<!here>"]}}
  - name: console
    console: {}
default_receiver: oncall
`

func mustCompile(tb testing.TB, rulesYAML string) *rules.Ruleset {
	tb.Helper()
	rs, err := rules.Compile("test.yaml", []byte(receiversYAML+rulesYAML), catalogtest.New(tb), envMap(nil))
	if err != nil {
		tb.Fatalf("compile:\n%v", err)
	}
	return rs
}

func names(rs *rules.Ruleset, ev callback.Event) []string {
	f := match.NewFacts(catalogtest.New(nil), ev) // the catalogue is loaded once per test binary
	var out []string
	for _, cr := range Evaluate(rs, &f) {
		out = append(out, cr.Name)
	}
	return out
}

func TestFirstMatchAndContinue(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: audit
    match: {event: room.exit}
    receivers: [console]
    continue: true
  - name: timeout
    match: {event: room.exit, reason: timeout}
  - name: any-exit
    match: {event: room.exit}
`)
	cases := []struct {
		reason int
		want   string
	}{
		{2, "audit,timeout"},  // continue lets the second match; the second stops
		{1, "audit,any-exit"}, // timeout does not match; the third does
	}
	for _, tc := range cases {
		if got := strings.Join(names(rs, callbacktest.Exit(tc.reason)), ","); got != tc.want {
			t.Errorf("reason %d: matched %q, want %q", tc.reason, got, tc.want)
		}
	}
}

func TestMatchers(t *testing.T) {
	recording := callback.Event{AppID: "1400000001", Group: 3, Type: 301, RoomID: "live-1", TaskID: "t1",
		Role: -1, TerminalType: -1, UserType: -1, Reason: -1, Status: 1, LeaveCode: -1, RoomType: -1}
	cases := []struct {
		name  string
		match string
		ev    callback.Event
		want  bool
	}{
		{"name", `event: room.exit`, callbacktest.Exit(2), true},
		{"name, other event", `event: room.enter`, callbacktest.Exit(2), false},
		{"number", `event: 104`, callbacktest.Exit(2), true},
		{"name without prefix", `reason: timeout`, callbacktest.Exit(2), true},
		{"name with prefix", `reason: reason.timeout`, callbacktest.Exit(2), true},
		{"name scoped to another event type", `reason: timeout`, func() callback.Event { e := callbacktest.Exit(2); e.Type = 103; return e }(), false},
		{"list hit", `reason: [normal, timeout]`, callbacktest.Exit(2), true},
		{"list miss", `reason: [normal, force_closed]`, callbacktest.Exit(2), false},
		{"list mixing names and numbers", `reason: [normal, 2]`, callbacktest.Exit(2), true},
		{"string field", `room: "8489"`, callbacktest.Exit(2), true},
		{"string field written as a number", `room: 8489`, callbacktest.Exit(2), true},
		{"string field miss", `user: u43`, callbacktest.Exit(2), false},
		{"regex on a string field", `room: {regex: "^live-"}`, recording, true},
		{"regex on a string field, miss", `room: {regex: "^live-"}`, callbacktest.Exit(2), false},
		{"regex on a code field (its name)", `event: {regex: "^recording\\."}`, recording, true},
		{"regex on a code field, miss", `event: {regex: "^recording\\."}`, callbacktest.Exit(2), false},
		{"not", `reason: {not: normal}`, callbacktest.Exit(2), true},
		{"not, miss", `reason: {not: timeout}`, callbacktest.Exit(2), false},
		{"not a list", `reason: {not: [normal, timeout]}`, callbacktest.Exit(2), false},
		{"not a regex", `room: {not: {regex: "^live-"}}`, callbacktest.Exit(2), true},
		{"nested not", `reason: {not: {not: timeout}}`, callbacktest.Exit(2), true},
		{"absent field matches no value", `status: failed`, callbacktest.Exit(2), false},
		{"absent field matches not", `status: {not: failed}`, callbacktest.Exit(2), true},
		{"scoped status", `status: failed`, func() callback.Event { e := recording; e.Status = 1; return e }(), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := mustCompile(t, fmt.Sprintf("rules:\n  - name: r\n    match:\n      %s\n", tc.match))
			if got := len(names(rs, tc.ev)) == 1; got != tc.want {
				t.Errorf("match %s: got %v, want %v", tc.match, got, tc.want)
			}
		})
	}
}

func TestWhen(t *testing.T) {
	ev := callbacktest.Exit(2)
	ev.Payload = map[string]any{"Count": 3.0, "Stats": "text"}
	cases := []struct {
		when string
		want bool
	}{
		{`Reason.Name == "reason.timeout"`, true},
		{`Reason.Name == "reason.normal"`, false},
		{`User startsWith "u" && Role.Value == 20`, true},
		{`Payload.Count > 2`, true},
		{`Time.Year() == 2023`, true},
		{`int(Payload.Missing) > 2`, false}, // runtime error: no match, not a crash
		{`Payload.Stats.Loss > 0.1`, false},
	}
	for _, tc := range cases {
		t.Run(tc.when, func(t *testing.T) {
			rs := mustCompile(t, fmt.Sprintf("rules:\n  - name: r\n    match: {event: room.exit}\n    when: '%s'\n", tc.when))
			if got := len(names(rs, ev)) == 1; got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// pagesOf is every notification the rules would enqueue for ev, one per
// receiver, as the store copies them.
func pagesOf(t *testing.T, rs *rules.Ruleset, ev callback.Event) []alert.Notification {
	t.Helper()
	f := match.NewFacts(catalogtest.New(t), ev)
	vs, err := Explain(rs, &f, time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	var pages []alert.Notification
	for _, v := range vs {
		if v.Alert == nil {
			continue
		}
		for _, r := range v.Alert.Receivers {
			n := v.Alert.Notification
			n.Receiver = r
			pages = append(pages, n)
		}
	}
	return pages
}

func TestTemplates(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: custom
    match: {event: room.exit}
    severity: critical
    title: "{{.Rule}}: {{.User | upper}} left {{.Room}} ({{.Reason.Title}})"
    text: "{{with .Payload.Stats}}loss {{.Loss}}{{else}}no stats{{end}}"
    dedup: {key: "{{.Room}}", window: 5m}
`)
	ev := callbacktest.Exit(2)
	p := pagesOf(t, rs, ev)
	if len(p) != 1 {
		t.Fatalf("%d pages, want 1", len(p))
	}
	if want := "custom: U42 left 8489 (Timeout)"; p[0].Title != want {
		t.Errorf("title %q, want %q", p[0].Title, want)
	}
	if p[0].Text != "no stats" || p[0].DedupKey != "custom:8489" || p[0].Receiver.Mentions[0] != "<!here>" {
		t.Errorf("page %+v", p[0])
	}
	// Stats is a string here: the custom text fails on this event and the
	// default wording goes out instead of nothing. The default words are
	// notify's now: the notification leaves Text empty and carries the event.
	ev.Payload = map[string]any{"Stats": "oops"}
	p = pagesOf(t, rs, ev)
	match.NewCodeWords(catalogtest.New(t)).Fill(&p[0]) // as the outbox's reader has it
	if want := "User `u42` left room `8489`: Timeout"; p[0].Text != "" || p[0].Event.Describe() != want {
		t.Errorf("fallback text %q (event says %q), want empty and %q", p[0].Text, p[0].Event.Describe(), want)
	}
}

func TestExplainSaysWhy(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: normal
    match: {event: room.exit, reason: normal}
  - name: late
    match: {event: room.exit}
    when: Role.Value == 21
  - name: any
    match: {event: room.exit}
  - name: never
    match: {event: room.exit}
`)
	f := match.NewFacts(catalogtest.New(t), callbacktest.Exit(2))
	vs, err := Explain(rs, &f, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"match.reason: wants normal, event has reason.timeout (2)",
		"every match passed, but when: is false (Role.Value == 21)",
		"matched: event room.exit (104) matches room.exit",
		"not considered: an earlier rule matched without continue: true",
	}
	for i, v := range vs {
		if v.Why != want[i] {
			t.Errorf("rule %s: why %q, want %q", v.Rule, v.Why, want[i])
		}
	}
	if vs[2].Alert == nil || vs[2].Alert.DedupKey != "any:1400000001/8489/u42/104" {
		t.Errorf("alert %+v", vs[2].Alert)
	}
}

// hundredRules matches room.exit events by room, so only room-99 matches the 100th.
func hundredRules(tb testing.TB) *rules.Ruleset {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range 100 {
		fmt.Fprintf(&b, "  - name: r%d\n    match:\n      event: [room.exit, room.enter]\n      reason: {not: normal}\n      room: room-%d\n", i, i)
	}
	return mustCompile(tb, b.String())
}

func TestEvaluateNoMatchAllocatesNothing(t *testing.T) {
	rs := hundredRules(t)
	ev := callbacktest.Exit(2)
	ev.RoomID = "room-x"
	f := match.NewFacts(catalogtest.New(t), ev)
	if n := testing.AllocsPerRun(100, func() { Evaluate(rs, &f) }); n != 0 {
		t.Errorf("Evaluate allocates %v times per event on the no-match path, want 0", n)
	}
}

func BenchmarkEvaluate100Rules(b *testing.B) {
	rs := hundredRules(b)
	cat := catalogtest.New(b)
	for _, bc := range []struct{ name, room string }{{"no-match", "room-x"}, {"match-100th", "room-99"}} {
		ev := callbacktest.Exit(2)
		ev.RoomID = bc.room
		f := match.NewFacts(cat, ev)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(rs, &f)
			}
		})
	}
}

// TestTemplatesShowClientValuesInert: a client's user id written to forge
// lines and markup reaches the title and text inert, wherever the template
// puts it, while the dedup key keeps the exact value.
func TestTemplatesShowClientValuesInert(t *testing.T) {
	rs := mustCompile(t, `
rules:
  - name: custom
    match: {event: room.exit}
    title: "User {{.User}} left"
    text: "User `+"`{{.User}}`"+` left\nroom {{.Room}} {{.Payload.note}} {{describe .}}"
    dedup: {key: "{{.User}}", window: 5m}
`)
	ev := callbacktest.Exit(2)
	ev.UserID = "x`\n*Status*\nRESOLVED"
	ev.Payload = map[string]any{"note": "> *quoted*\r\nline"}
	p := pagesOf(t, rs, ev)
	if len(p) != 1 {
		t.Fatalf("%d pages, want 1", len(p))
	}
	if want := "User x'\uFFFD∗Status∗\uFFFDRESOLVED left"; p[0].Title != want {
		t.Errorf("title %q, want %q", p[0].Title, want)
	}
	// The operator's own line break stays; the client's are gone.
	want := "User `x'\uFFFD∗Status∗\uFFFDRESOLVED` left\nroom 8489 › ∗quoted∗\uFFFD\uFFFDline " +
		"User `x'\uFFFD∗Status∗\uFFFDRESOLVED` left room `8489`: Timeout"
	if p[0].Text != want {
		t.Errorf("text %q\nwant %q", p[0].Text, want)
	}
	if p[0].DedupKey != "custom:"+ev.UserID {
		t.Errorf("dedup key %q lost the exact value", p[0].DedupKey)
	}
	if p[0].Event.User != ev.UserID {
		t.Errorf("the notification's event must keep the exact user (renderers quote it): %q", p[0].Event.User)
	}
}
