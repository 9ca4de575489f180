package engine

import (
	"slices"
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

// event is a callback of the given type for app.
func event(app string, typ, reason int) callback.Event {
	ev := callbacktest.Exit(reason)
	ev.AppID, ev.Type, ev.Group = app, typ, typ/100
	if typ/100 == 3 {
		ev.Reason, ev.Role, ev.Status = callback.Absent, callback.Absent, 1
	}
	return ev
}

// pagedTo lists, for each alert of ev, its rule and the receivers it pages
// with their mentions: "exit-critical: oncall <!here>, team".
func pagedTo(rs *rules.Ruleset, ev callback.Event) []string {
	f := match.NewFacts(catalogtest.New(nil), ev)
	f.Scene = rs.Scene(ev.AppID)
	var out []string
	for _, a := range Alerts(rs, &f, time.Unix(1700000000, 0)) {
		var rcv []string
		for _, r := range a.Receivers {
			rcv = append(rcv, strings.TrimSpace(r.Name+" "+strings.Join(r.Mentions, " ")))
		}
		out = append(out, a.Rule+": "+strings.Join(rcv, ", "))
	}
	return out
}

// TestRoutes: a rule without receivers pages the receivers of the first
// route that matches its page (by app, group, severity, rule), else
// default_receiver; a rule with receivers keeps them; mentions follow the
// rule's severity.
func TestRoutes(t *testing.T) {
	rs := routesRuleset(t)
	tests := []struct {
		name string
		ev   callback.Event
		want []string
	}{
		{"recording: group route, warning mentions", event("1400000001", 301, 0), []string{"recording-failed: media"}},
		{"staging first: first match wins", event("1400000002", 301, 0), []string{"recording-failed: staging"}},
		{"critical: severity route, critical mentions", event("1400000001", 104, 2),
			[]string{"exit-critical: oncall <!here>, team", "exit-info: team"}},
		{"own receivers, whatever the routes", event("1400000002", 103, 1), []string{"own: oncall <!subteam^S0RTC>"}},
	}
	for _, tt := range tests {
		if got := pagedTo(rs, tt.ev); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRoutesExplain: hook test says which route picked a page's
// receivers, or that none did.
func TestRoutesExplain(t *testing.T) {
	rs := routesRuleset(t)
	f := match.NewFacts(catalogtest.New(t), event("1400000001", 104, 2))
	vs, err := Explain(rs, &f, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		if v.Matched {
			got = append(got, v.Rule+": "+v.Route)
		}
	}
	want := []string{
		"exit-critical: routed by routes[2] (line 17), rule: {not: exit-info}, severity: critical, to oncall, team",
		"exit-info: no route matched: default_receiver team",
	}
	if !slices.Equal(got, want) {
		t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasSuffix(vs[1].Why, "; "+want[0][len("exit-critical: "):]) {
		t.Errorf("why %q does not end with the route", vs[1].Why)
	}
	f = match.NewFacts(catalogtest.New(t), event("1400000001", 103, 1))
	vs, _ = Explain(rs, &f, time.Now())
	for _, v := range vs {
		if v.Matched && (v.Route != "" || strings.Contains(v.Why, "route")) {
			t.Errorf("%s names its receivers, yet: %q", v.Rule, v.Why)
		}
	}
}

// TestRouteAllocs: picking a page's route allocates nothing; a busy server
// does it for every alert.
func TestRouteAllocs(t *testing.T) {
	rs := routesRuleset(t)
	f := match.NewFacts(catalogtest.New(t), event("1400000002", 104, 2))
	var sink []alert.Receiver
	if n := testing.AllocsPerRun(100, func() {
		for _, cr := range rs.Rules() {
			sink = receiversFor(cr, &f)
		}
	}); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
	_ = sink
}

// routesRuleset is routesYAML compiled.
func routesRuleset(t *testing.T) *rules.Ruleset {
	t.Helper()
	rs, err := rules.Compile("routes.yaml", []byte(routesYAML), catalogtest.New(t), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

const routesYAML = `
receivers:
  - name: oncall
    slack: {channel: "#oncall", mentions: {critical: ["<!here>"], warning: ["<!subteam^S0RTC>"]}}
  - name: media
    slack: {channel: "#media", mentions: {critical: ["<!subteam^S0MEDIA>"]}}
  - name: team
    console: {}
  - name: staging
    console: {}
default_receiver: team
routes:
  - match: {app: "1400000002"}
    receivers: [staging]
  - match: {group: recording}
    receivers: [media]
  - match: {severity: critical, rule: {not: exit-info}}
    receivers: [oncall, team]
rules:
  - name: recording-failed
    match: {event: recording.start}
    severity: warning
  - name: exit-critical
    match: {event: room.exit, reason: timeout}
    severity: critical
    continue: true
  - name: exit-info
    match: {event: room.exit}
    severity: critical
  - name: own
    match: {event: room.enter}
    receivers: [oncall]
`
