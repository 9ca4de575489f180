package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
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

// compiledRoute is a validated route.
type compiledRoute struct {
	index     int
	line      int
	match     []alertMatcher
	desc      string // the match as written, "group: recording", for check and test
	receivers []string
}

func (r *compiledRoute) String() string { return fmt.Sprintf("routes[%d] (line %d)", r.index, r.line) }

// routeChoice is a route a rule's pages may take, with its receivers
// resolved for the rule's severity (read only, shared by every alert).
type routeChoice struct {
	route   *compiledRoute
	targets []alert.Receiver
	// always is set when the route takes every page of the rule (as far as
	// its matchers on rule, severity, event and group tell): no later route
	// is tried, nor default_receiver.
	always bool
}

// routes validates the routes: section. Rules must be compiled already,
// for their names; receivers too.
func (c *compiler) routes(f *File, rs *Ruleset) {
	names := make([]string, 0, len(f.Rules))
	for _, r := range f.Rules {
		names = append(names, r.Name)
	}
	receivers, known := c.receiverNames(rs)
	var catchAll *compiledRoute
	for i, r := range f.Routes {
		path := fmt.Sprintf("routes[%d]", i)
		cr := &compiledRoute{index: i, line: c.d.pos(path).Line, receivers: r.Receivers}
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
		cr.match = c.alertMatchers(path+".match", path, fields, names)
		cr.desc = describeMatch(fields)
		if len(r.Match) == 0 && !c.d.failedUnder(path+".match") {
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
	if slices.Contains(MatchKeys(), k) {
		return fmt.Sprintf("a route matches pages by %s; `%s` is matched by rules (to page someone else for it, give the rule that matches it receivers of its own)",
			strings.Join(routeLabels, ", "), k)
	}
	if hint := misplaced(k, path); hint != "" {
		return hint
	}
	return fmt.Sprintf("unknown route label `%s`%s", k, suggestField(k, routeLabels, path))
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
		if !cr.routed {
			continue
		}
		possible := cr.possibleEvents(events)
		covered := false
		for _, r := range rs.routes {
			take := routeTakes(r, cr, possible)
			if take == takesNone {
				continue
			}
			used[r.index] = true
			cr.routes = append(cr.routes, routeChoice{route: r, always: take == takesAll})
			if take == takesAll {
				covered = true
				break
			}
		}
		if !covered && f.DefaultReceiver == "" && !c.d.failedUnder("default_receiver") && !c.d.failedUnder("routes") {
			path := c.rulePath(f, cr.name, i)
			if len(cr.routes) == 0 {
				c.errorf(path, "rule %q: no receivers, no default_receiver, and no route matches its pages: give it receivers or add a route for it", cr.name)
			} else {
				c.errorf(path, "rule %q: no receivers and no default_receiver, and the routes may not take all of its pages (%s): give it receivers, add default_receiver, or end routes with one without match",
					cr.name, describeChoices(cr.routes))
			}
		}
	}
	for _, r := range rs.routes {
		if !used[r.index] && !c.d.failedUnder(fmt.Sprintf("routes[%d]", r.index)) {
			c.warns = append(c.warns, posError{c.d.pos(fmt.Sprintf("routes[%d]", r.index)),
				fmt.Sprintf("routes[%d]: no rule's pages take this route (every rule it could match names its own receivers, or an earlier route takes its pages)", r.index)})
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

func describeChoices(rc []routeChoice) string {
	parts := make([]string, len(rc))
	for i, c := range rc {
		parts[i] = fmt.Sprintf("routes[%d] takes %s", c.route.index, c.route.desc)
	}
	return strings.Join(parts, "; ")
}

// routeTake is whether a route takes a rule's pages: none of them, some
// (its match depends on the event: app, scene, or an event or group the
// rule matches only some of), or all.
type routeTake uint8

const (
	takesNone routeTake = iota
	takesSome
	takesAll
)

// routeTakes judges route r for rule cr, whose pages are about possible.
func routeTakes(r *compiledRoute, cr *compiledRule, possible []*Facts) routeTake {
	take := takesAll
	for _, m := range r.match {
		switch {
		case m.field == nil: // rule or severity: known now
			if !m.match(cr, nil) {
				return takesNone
			}
		case m.field.field == catalog.FieldEvent || m.field.field == catalog.FieldGroup:
			n := 0
			for _, e := range possible {
				if m.field.match(e) {
					n++
				}
			}
			switch n {
			case 0:
				return takesNone
			case len(possible):
			default:
				take = takesSome
			}
		default: // app, scene: known per event
			take = takesSome
		}
	}
	return take
}

// candidateEvents stand for every event a rule could match, as far as its
// event and group matchers tell: each event type the catalogue knows, one
// it does not know in each of its groups, one in no group it knows, and
// every event and group number the rules and routes write.
func candidateEvents(cat *catalog.Catalog, rs *Ruleset) []*Facts {
	types := map[int]bool{99*100 + 99: true}
	for _, name := range cat.Names(catalog.FieldEvent) {
		vals, _ := cat.Values(catalog.FieldEvent, name)
		for _, v := range vals {
			types[v.Value] = true
		}
	}
	groups := map[int]bool{}
	for _, name := range cat.Names(catalog.FieldGroup) {
		vals, _ := cat.Values(catalog.FieldGroup, name)
		for _, v := range vals {
			groups[v.Value] = true
		}
	}
	written := func(m *matcher) {
		switch m.field {
		case catalog.FieldEvent:
			for _, n := range m.nums {
				types[n] = true
			}
		case catalog.FieldGroup:
			for _, n := range m.nums {
				groups[n] = true
			}
		}
	}
	for _, cr := range rs.rules {
		for _, m := range cr.matchers {
			written(m)
		}
	}
	for _, r := range rs.routes {
		for _, m := range r.match {
			if m.field != nil {
				written(m.field)
			}
		}
	}
	for g := range groups {
		for n := g*100 + 99; n > g*100; n-- {
			if !cat.Code(catalog.FieldEvent, 0, n).Known {
				types[n] = true
				break
			}
		}
	}
	out := make([]*Facts, 0, len(types))
	for _, t := range slices.Sorted(maps.Keys(types)) {
		out = append(out, &Facts{Event: cat.Code(catalog.FieldEvent, 0, t), Group: cat.GroupOf(t)})
	}
	return out
}

// possibleEvents are the candidates cr's event and group matchers take.
func (cr *compiledRule) possibleEvents(candidates []*Facts) []*Facts {
	var out []*Facts
	for _, e := range candidates {
		ok := true
		for _, m := range cr.matchers {
			if (m.field == catalog.FieldEvent || m.field == catalog.FieldGroup) && !m.match(e) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// route is the route cr's alert for e takes; nil for a rule with receivers
// of its own, or when no route matches (its receivers are then
// default_receiver's).
func (cr *compiledRule) route(e *Facts) *routeChoice {
	for i := range cr.routes {
		rc := &cr.routes[i]
		if rc.always || matchAll(rc.route.match, cr, e) {
			return rc
		}
	}
	return nil
}

// receiversFor are the receivers of cr's alert for e: the rule's own, or
// those of the route its pages take, or default_receiver's.
func (cr *compiledRule) receiversFor(e *Facts) []alert.Receiver {
	if rc := cr.route(e); rc != nil {
		return rc.targets
	}
	return cr.targets
}

// routedBy says, for `hook test`, how a routed rule's receivers were
// picked; "" for a rule with receivers of its own, or when there are no
// routes.
func (rs *Ruleset) routedBy(cr *compiledRule, e *Facts) string {
	if !cr.routed || len(rs.routes) == 0 {
		return ""
	}
	if rc := cr.route(e); rc != nil {
		return fmt.Sprintf("routed by %s, %s, to %s", rc.route, rc.route.desc, strings.Join(rc.route.receivers, ", "))
	}
	if len(cr.receivers) == 0 {
		return "no route matched"
	}
	return fmt.Sprintf("no route matched: default_receiver %s", cr.receivers[0])
}

// RouteTable describes the routes for `hook check`: each route, what it
// matches and its receivers, then the rules whose pages may take it; nil
// when the file has no routes.
func (rs *Ruleset) RouteTable() []string {
	if len(rs.routes) == 0 {
		return nil
	}
	out := []string{"routes (for rules without receivers of their own; the first that matches a page takes it):"}
	takers := func(pick func(cr *compiledRule) (bool, bool)) string {
		var names []string
		for _, cr := range rs.rules {
			if ok, all := pick(cr); ok {
				if !all {
					names = append(names, cr.name+" (some pages)")
				} else {
					names = append(names, cr.name)
				}
			}
		}
		if len(names) == 0 {
			return "      (no rule's pages)"
		}
		return "      " + strings.Join(names, ", ")
	}
	for _, r := range rs.routes {
		out = append(out, fmt.Sprintf("  %s %s -> %s", r, r.desc, strings.Join(r.receivers, ", ")))
		out = append(out, takers(func(cr *compiledRule) (bool, bool) {
			for i, rc := range cr.routes {
				if rc.route == r {
					// Every page of the rule takes it only if it takes all
					// and no earlier route takes any.
					return true, rc.always && i == 0
				}
			}
			return false, false
		}))
	}
	if def := rs.defaultReceiver; def != "" {
		out = append(out, "  default_receiver -> "+def)
		out = append(out, takers(func(cr *compiledRule) (bool, bool) {
			if !cr.routed || (len(cr.routes) > 0 && cr.routes[len(cr.routes)-1].always) {
				return false, false
			}
			return true, len(cr.routes) == 0
		}))
	}
	var own []string
	for _, cr := range rs.rules {
		if !cr.routed {
			own = append(own, cr.name)
		}
	}
	if len(own) > 0 {
		out = append(out, "  rules with receivers of their own: "+strings.Join(own, ", "))
	}
	return out
}
