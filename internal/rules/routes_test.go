package rules

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
)

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

// event is a callback of the given type for app.
func event(app string, typ, reason int) callback.Event {
	ev := exitEvent(reason)
	ev.AppID, ev.Type, ev.Group = app, typ, typ/100
	if typ/100 == 3 {
		ev.Reason, ev.Role, ev.Status = callback.Absent, callback.Absent, 1
	}
	return ev
}

// pagedTo lists, for each alert of ev, its rule and the receivers it pages
// with their mentions: "exit-critical: oncall <!here>, team".
func pagedTo(rs *Ruleset, ev callback.Event) []string {
	f := NewFacts(testCatalog(nil), ev)
	f.Scene = rs.Scene(ev.AppID)
	var out []string
	for _, a := range rs.Alerts(&f, time.Unix(1700000000, 0)) {
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
	rs, err := Compile("routes.yaml", []byte(routesYAML), testCatalog(t), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
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
	rs, err := Compile("routes.yaml", []byte(routesYAML), testCatalog(t), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	f := NewFacts(testCatalog(t), event("1400000001", 104, 2))
	vs, err := rs.Explain(&f, time.Now())
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
	f = NewFacts(testCatalog(t), event("1400000001", 103, 1))
	vs, _ = rs.Explain(&f, time.Now())
	for _, v := range vs {
		if v.Matched && (v.Route != "" || strings.Contains(v.Why, "route")) {
			t.Errorf("%s names its receivers, yet: %q", v.Rule, v.Why)
		}
	}
}

// TestRouteTable: hook check lists each route with the rules whose pages
// may take it, as far as their matches and severities tell.
func TestRouteTable(t *testing.T) {
	data, err := os.ReadFile("../../examples/routes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Compile("routes.yaml", data, testCatalog(t), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"routes (for rules without receivers of their own; the first that matches a page takes it):",
		"  routes[0] (line 33) group: [recording, web_recording] -> media",
		"      recording-start-failed, recording-upload-error, web-recording-limit",
		"  routes[1] (line 36) group: [relay, ingest], severity: critical -> streaming, oncall",
		"      relay-failed",
		"  routes[2] (line 38) group: [relay, ingest] -> streaming",
		"      relay-flapping",
		"  routes[3] (line 41) severity: critical -> oncall",
		"      room-outage",
		"  default_receiver -> rtc-alerts",
		"      anchor-dropped",
		"  rules with receivers of their own: room-dismissed-early",
	}
	if got := rs.RouteTable(); !slices.Equal(got, want) {
		t.Errorf("route table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rs := mustCompile(t, "rules: [{name: a, match: {event: room.exit}}]\n"); rs.RouteTable() != nil {
		t.Errorf("a file without routes has a route table: %q", rs.RouteTable())
	}
}

// TestRouteTakes: which routes a rule's pages may take is worked out from
// the catalogue: an event's group is known, so a route by group takes all
// or none of a rule's pages about one event; a rule about several events
// or unknown events, or a route by app, takes some.
func TestRouteTakes(t *testing.T) {
	tests := []struct {
		rule, route string
		want        routeTake
	}{
		{"{event: recording.start}", "{group: recording}", takesAll},
		{"{event: recording.start}", "{group: room}", takesNone},
		{"{event: recording.start}", "{group: {not: room}}", takesAll},
		{"{event: [recording.start, room.exit]}", "{group: recording}", takesSome},
		{"{group: room}", "{event: room.exit}", takesSome},
		{"{group: room}", "{group: [room, media]}", takesAll},
		{"{}", "{group: recording}", takesSome},
		{"{event: unknown}", "{group: recording}", takesSome},
		{"{event: 399}", "{group: recording}", takesAll},
		{"{event: 399}", "{event: recording.start}", takesNone},
		{"{group: 5}", "{group: relay}", takesNone},
		{"{event: room.exit}", "{app: \"1400000001\"}", takesSome},
		{"{event: room.exit}", "{scene: call, event: room.exit}", takesSome},
		{"{event: room.exit}", "{severity: critical}", takesAll},
		{"{event: room.exit}", "{severity: warning}", takesNone},
		{"{event: room.exit}", "{rule: a}", takesAll},
		{"{event: room.exit}", "{rule: {not: a}}", takesNone},
		{"{event: room.exit}", "{}", takesAll},
	}
	for _, tt := range tests {
		src := fmt.Sprintf("routes: [{match: %s, receivers: [console]}]\nrules: [{name: a, severity: critical, match: %s}]\n", tt.route, tt.rule)
		rs := mustCompile(t, src)
		cr := rs.rules[0]
		got := routeTakes(rs.routes[0], cr, cr.possibleEvents(candidateEvents(testCatalog(t), rs)))
		if got != tt.want {
			t.Errorf("rule %s, route %s: %d, want %d", tt.rule, tt.route, got, tt.want)
		}
	}
}

// TestRoutesReachEveryPage: without default_receiver, a rule without
// receivers needs routes that take all of its pages.
func TestRoutesReachEveryPage(t *testing.T) {
	const head = "receivers: [{name: media, console: {}}, {name: oncall, console: {}}]\n"
	ok := head + "routes:\n  - match: {group: recording}\n    receivers: [media]\n  - receivers: [oncall]\nrules:\n  - name: a\n    match: {event: room.exit}\n"
	if _, err := Compile("r.yaml", []byte(ok), testCatalog(t), envMap(nil)); err != nil {
		t.Errorf("a catch-all route: %v", err)
	}
	bad := head + "routes:\n  - match: {group: recording}\n    receivers: [media]\n  - match: {app: \"1400000001\"}\n    receivers: [oncall]\nrules:\n  - name: a\n    match: {event: room.exit}\n  - name: b\n    match: {event: recording.start}\n  - name: c\n    match: {event: room.enter}\n    receivers: [oncall]\n"
	_, err := Compile("r.yaml", []byte(bad), testCatalog(t), envMap(nil))
	want := `r.yaml:8:5: rule "a": no receivers and no default_receiver, and the routes may not take all of its pages (routes[1] takes app: 1400000001): give it receivers, add default_receiver, or end routes with one without match`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

// TestRouteWarnings: a route no rule's pages can take is a warning, not an
// error: it may be there for a rule still to come.
func TestRouteWarnings(t *testing.T) {
	rs := mustCompile(t, `
routes:
  - match: {severity: critical}
    receivers: [console]
  - match: {group: recording}
    receivers: [console]
rules:
  - name: a
    match: {event: room.exit}
    severity: critical
  - name: b
    match: {event: recording.start}
    receivers: [oncall]
`)
	want := []string{"test.yaml:12:5: warning: routes[1]: no rule's pages take this route (every rule it could match names its own receivers, or an earlier route takes its pages)"}
	if got := rs.Warnings(); !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
}

// TestRouteAllocs: picking a page's route allocates nothing; a busy server
// does it for every alert.
func TestRouteAllocs(t *testing.T) {
	rs, err := Compile("routes.yaml", []byte(routesYAML), testCatalog(t), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	f := NewFacts(testCatalog(t), event("1400000002", 104, 2))
	var sink []alert.Receiver
	if n := testing.AllocsPerRun(100, func() {
		for _, cr := range rs.rules {
			sink = cr.receiversFor(&f)
		}
	}); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
	_ = sink
}
