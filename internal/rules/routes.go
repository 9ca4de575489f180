package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
)

// Route sends pages to receivers by what they are about, like an
// Alertmanager route tree, but flat: the pages of a rule that names no
// receivers go to the first route that matches them, and, when none does,
// to default_receiver. Moving every recording page to another channel is
// then one edit:
//
//	routes:
//	  - match: {group: recording}
//	    receivers: [recording]
type Route struct {
	// Match is on the page's labels (routeLabels), with the values a rule's
	// match takes: a value, a list, {regex: ...}, {not: ...}. No match takes
	// every page.
	Match     map[string]MatchValue `yaml:"match"`
	Receivers []string              `yaml:"receivers"`
}

// routeLabels are what a route matches pages by: what kind of page it is
// (its rule, severity, event and group) and whose (app and scene).
var routeLabels = []string{"app", "event", "group", "rule", "scene", "severity"}

// RouteLabels lists what a route may match on, sorted, for the tests that
// keep the JSON Schema in step.
func RouteLabels() []string { return slices.Clone(routeLabels) }

// CompiledRoute is a validated route.
type CompiledRoute struct {
	Index     int
	Line      int
	Match     []match.AlertMatcher
	Desc      string // the match as written, "group: recording", for check and test
	Receivers []string
}

func (r *CompiledRoute) String() string { return fmt.Sprintf("routes[%d] (line %d)", r.Index, r.Line) }

// RouteChoice is a route a rule's pages may take, with its receivers
// resolved for the rule's severity (read only, shared by every alert).
type RouteChoice struct {
	Route   *CompiledRoute
	Targets []alert.Receiver
	// Always is set when the route takes every page of the rule (as far as
	// its matchers on rule, severity, event and group tell): no later route
	// is tried, nor default_receiver.
	Always bool
}

// routes validates the routes: section. Rules must be compiled already,
// for their names; receivers too.
func (c *compiler) routes(f *File, rs *Ruleset) {
	names := make([]string, 0, len(f.Rules))
	for _, r := range f.Rules {
		names = append(names, r.Name)
	}
	receivers, known := c.receiverNames(rs)
	var catchAll *CompiledRoute
	for i, r := range f.Routes {
		path := fmt.Sprintf("routes[%d]", i)
		cr := &CompiledRoute{Index: i, Line: c.d.Pos(path).Line, Receivers: r.Receivers}
		if catchAll != nil {
			c.errorf(path, "%s is never reached: %s has no match and takes every page before it", path, catchAll)
		}
		fields := map[string]MatchValue{}
		for _, k := range sortedKeys(r.Match) {
			if slices.Contains(routeLabels, k) {
				fields[k] = r.Match[k]
				continue
			}
			c.errorKey(path+".match."+k, "%s: %s", path, notRouteLabel(k, path+".match"))
		}
		cr.Match = c.alertMatchers(path+".match", path, fields, names)
		cr.Desc = describeMatch(fields)
		if len(r.Match) == 0 && !c.d.FailedUnder(path+".match") {
			catchAll = cr
		}
		if _, underMatch := r.Match["receivers"]; len(r.Receivers) == 0 && !underMatch { // (that one is said)
			c.errorf(path+".receivers", "%s: needs receivers, e.g. receivers: [oncall]", path)
		}
		if known {
			for j, name := range r.Receivers {
				if !slices.Contains(receivers, name) {
					c.errorf(fmt.Sprintf("%s.receivers[%d]", path, j), "%s: unknown receiver %q%s", path, name, alert.Suggest(name, receivers))
				}
			}
		}
		rs.routes = append(rs.routes, cr)
	}
}

// notRouteLabel explains a key of the route match at path that is not a
// route label.
func notRouteLabel(k, path string) string {
	if slices.Contains(match.MatchKeys(), k) {
		return fmt.Sprintf("a route matches pages by %s; `%s` is matched by rules (to page someone else for it, give the rule that matches it receivers of its own)",
			strings.Join(routeLabels, ", "), k)
	}
	if hint := misplaced(k, path); hint != "" {
		return hint
	}
	return fmt.Sprintf("unknown route label `%s`%s", k, yamlpos.SuggestField(k, routeLabels, path))
}

// describeMatch writes a match back as the file has it, keys sorted:
// "group: recording, severity: critical"; "every page" for none.
func describeMatch(ms map[string]MatchValue) string {
	if len(ms) == 0 {
		return "every page"
	}
	parts := make([]string, 0, len(ms))
	for _, k := range sortedKeys(ms) {
		parts = append(parts, k+": "+ms[k].String())
	}
	return strings.Join(parts, ", ")
}

// linkRoutes gives every rule that names no receivers the routes its pages
// may take, in order, as far as can be told without an event: a route whose
// rule, severity, event or group can never match the rule's pages is left
// out, and one that matches all of them ends the list. A rule whose pages
// some route may miss needs default_receiver.
func (c *compiler) linkRoutes(f *File, rs *Ruleset) {
	if len(rs.routes) == 0 {
		return
	}
	used := make([]bool, len(rs.routes))
	events := candidateEvents(c.cat, rs)
	for i, cr := range rs.rules {
		if !cr.Routed {
			continue
		}
		possible := match.Possible(cr.Matchers, events)
		covered := false
		for _, r := range rs.routes {
			take := match.Takes(r.Match, cr.Name, cr.Severity, possible)
			if take == match.TakesNone {
				continue
			}
			used[r.Index] = true
			cr.Routes = append(cr.Routes, RouteChoice{Route: r, Always: take == match.TakesAll})
			if take == match.TakesAll {
				covered = true
				break
			}
		}
		if !covered && f.DefaultReceiver == "" && !c.d.FailedUnder("default_receiver") && !c.d.FailedUnder("routes") {
			path := c.rulePath(f, cr.Name, i)
			if len(cr.Routes) == 0 {
				c.errorf(path, "rule %q: no receivers, no default_receiver, and no route matches its pages: give it receivers or add a route for it", cr.Name)
			} else {
				c.errorf(path, "rule %q: no receivers and no default_receiver, and the routes may not take all of its pages (%s): give it receivers, add default_receiver, or end routes with one without match",
					cr.Name, describeChoices(cr.Routes))
			}
		}
	}
	for _, r := range rs.routes {
		if !used[r.Index] && !c.d.FailedUnder(fmt.Sprintf("routes[%d]", r.Index)) {
			c.warns = append(c.warns, yamlpos.Error{Pos: c.d.Pos(fmt.Sprintf("routes[%d]", r.Index)), Msg: fmt.Sprintf("routes[%d]: no rule's pages take this route (every rule it could match names its own receivers, or an earlier route takes its pages)", r.Index)})
		}
	}
}

// rulePath is the path of the rule named name, the i-th compiled.
func (c *compiler) rulePath(f *File, name string, i int) string {
	for j, r := range f.Rules {
		if r.Name == name {
			return fmt.Sprintf("rules[%d]", j)
		}
	}
	return fmt.Sprintf("rules[%d]", i)
}

func describeChoices(rc []RouteChoice) string {
	parts := make([]string, len(rc))
	for i, c := range rc {
		parts[i] = fmt.Sprintf("routes[%d] takes %s", c.Route.Index, c.Route.Desc)
	}
	return strings.Join(parts, "; ")
}

// candidateEvents are match.Candidates for the event and group numbers the
// rules and routes write.
func candidateEvents(cat *catalog.Catalog, rs *Ruleset) []*match.Facts {
	var written []*match.Matcher
	for _, cr := range rs.rules {
		written = append(written, cr.Matchers...)
	}
	for _, r := range rs.routes {
		for _, m := range r.Match {
			if m.Field != nil {
				written = append(written, m.Field)
			}
		}
	}
	return match.Candidates(cat, written)
}

// RouteTable describes the routes for `hook check`: each route, what it
// matches and its receivers, then the rules whose pages may take it; nil
// when the file has no routes.
func (rs *Ruleset) RouteTable() []string {
	if len(rs.routes) == 0 {
		return nil
	}
	out := []string{"routes (for rules without receivers of their own; the first that matches a page takes it):"}
	takers := func(pick func(cr *CompiledRule) (bool, bool)) string {
		var names []string
		for _, cr := range rs.rules {
			if ok, all := pick(cr); ok {
				if !all {
					names = append(names, cr.Name+" (some pages)")
				} else {
					names = append(names, cr.Name)
				}
			}
		}
		if len(names) == 0 {
			return "      (no rule's pages)"
		}
		return "      " + strings.Join(names, ", ")
	}
	for _, r := range rs.routes {
		out = append(out, fmt.Sprintf("  %s %s -> %s", r, r.Desc, strings.Join(r.Receivers, ", ")))
		out = append(out, takers(func(cr *CompiledRule) (bool, bool) {
			for i, rc := range cr.Routes {
				if rc.Route == r {
					// Every page of the rule takes it only if it takes all
					// and no earlier route takes any.
					return true, rc.Always && i == 0
				}
			}
			return false, false
		}))
	}
	if def := rs.defaultReceiver; def != "" {
		out = append(out, "  default_receiver -> "+def)
		out = append(out, takers(func(cr *CompiledRule) (bool, bool) {
			if !cr.Routed || (len(cr.Routes) > 0 && cr.Routes[len(cr.Routes)-1].Always) {
				return false, false
			}
			return true, len(cr.Routes) == 0
		}))
	}
	var own []string
	for _, cr := range rs.rules {
		if !cr.Routed {
			own = append(own, cr.Name)
		}
	}
	if len(own) > 0 {
		out = append(out, "  rules with receivers of their own: "+strings.Join(own, ", "))
	}
	return out
}
