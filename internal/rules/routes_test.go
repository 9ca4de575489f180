package rules

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
)

// TestRouteTable: hook check lists each route with the rules whose pages
// may take it, as far as their matches and severities tell.
func TestRouteTable(t *testing.T) {
	data, err := os.ReadFile("../../examples/routes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Compile("routes.yaml", data, catalogtest.New(t), envMap(nil))
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
		want        match.Take
	}{
		{"{event: recording.start}", "{group: recording}", match.TakesAll},
		{"{event: recording.start}", "{group: room}", match.TakesNone},
		{"{event: recording.start}", "{group: {not: room}}", match.TakesAll},
		{"{event: [recording.start, room.exit]}", "{group: recording}", match.TakesSome},
		{"{group: room}", "{event: room.exit}", match.TakesSome},
		{"{group: room}", "{group: [room, media]}", match.TakesAll},
		{"{}", "{group: recording}", match.TakesSome},
		{"{event: unknown}", "{group: recording}", match.TakesSome},
		{"{event: 399}", "{group: recording}", match.TakesAll},
		{"{event: 399}", "{event: recording.start}", match.TakesNone},
		{"{group: 5}", "{group: relay}", match.TakesNone},
		{"{event: room.exit}", "{app: \"1400000001\"}", match.TakesSome},
		{"{event: room.exit}", "{scene: call, event: room.exit}", match.TakesSome},
		{"{event: room.exit}", "{severity: critical}", match.TakesAll},
		{"{event: room.exit}", "{severity: warning}", match.TakesNone},
		{"{event: room.exit}", "{rule: a}", match.TakesAll},
		{"{event: room.exit}", "{rule: {not: a}}", match.TakesNone},
		{"{event: room.exit}", "{}", match.TakesAll},
	}
	for _, tt := range tests {
		src := fmt.Sprintf("routes: [{match: %s, receivers: [console]}]\nrules: [{name: a, severity: critical, match: %s}]\n", tt.route, tt.rule)
		rs := mustCompile(t, src)
		cr := rs.rules[0]
		got := match.Takes(rs.routes[0].Match, cr.Name, cr.Severity, match.Possible(cr.Matchers, candidateEvents(catalogtest.New(t), rs)))
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
	if _, err := Compile("r.yaml", []byte(ok), catalogtest.New(t), envMap(nil)); err != nil {
		t.Errorf("a catch-all route: %v", err)
	}
	bad := head + "routes:\n  - match: {group: recording}\n    receivers: [media]\n  - match: {app: \"1400000001\"}\n    receivers: [oncall]\nrules:\n  - name: a\n    match: {event: room.exit}\n  - name: b\n    match: {event: recording.start}\n  - name: c\n    match: {event: room.enter}\n    receivers: [oncall]\n"
	_, err := Compile("r.yaml", []byte(bad), catalogtest.New(t), envMap(nil))
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
