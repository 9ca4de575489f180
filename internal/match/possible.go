package match

import (
	"maps"
	"slices"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
)

// What a rule's pages may be about, as far as can be told when the rules
// are loaded: routes are linked to the rules whose pages they may take.

// Take is whether a route takes a rule's pages: none of them, some
// (its match depends on the event: app, scene, or an event or group the
// rule matches only some of), or all.
type Take uint8

const (
	TakesNone Take = iota
	TakesSome
	TakesAll
)

// Takes judges a route matching route for the pages of rule, at sev, which
// are about possible (see Possible), as far as can be told without an
// event.
func Takes(route []AlertMatcher, rule string, sev alert.Severity, possible []*Facts) Take {
	take := TakesAll
	for _, m := range route {
		switch {
		case m.Field == nil: // rule or severity: known now
			if !m.Match(rule, sev, nil) {
				return TakesNone
			}
		case m.Field.Field == catalog.FieldEvent || m.Field.Field == catalog.FieldGroup:
			n := 0
			for _, e := range possible {
				if m.Field.Match(e) {
					n++
				}
			}
			switch n {
			case 0:
				return TakesNone
			case len(possible):
			default:
				take = TakesSome
			}
		default: // app, scene: known per event
			take = TakesSome
		}
	}
	return take
}

// Candidates stand for every event a rule could match, as far as its
// event and group matchers tell: each event type the catalogue knows, one
// it does not know in each of its groups, one in no group it knows, and
// every event and group number the written matchers name.
func Candidates(cat *catalog.Catalog, written []*Matcher) []*Facts {
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
	for _, m := range written {
		switch m.Field {
		case catalog.FieldEvent:
			for _, n := range m.Nums {
				types[n] = true
			}
		case catalog.FieldGroup:
			for _, n := range m.Nums {
				groups[n] = true
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

// Possible are the candidates a rule's event and group matchers (of ms)
// take.
func Possible(ms []*Matcher, candidates []*Facts) []*Facts {
	var out []*Facts
	for _, e := range candidates {
		ok := true
		for _, m := range ms {
			if (m.Field == catalog.FieldEvent || m.Field == catalog.FieldGroup) && !m.Match(e) {
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
