package rules

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
)

// layout is the rules file's layout, for the hints about a key written at
// the wrong level (the decoder's, the syntax errors', the matchers'):
// what the Go types say, and what they do not.
var layout = sync.OnceValue(func() *yamlpos.Places {
	return yamlpos.NewPlaces(yamlpos.Schema{
		Root: reflect.TypeFor[File](),
		MapKeys: func(pattern string, elem reflect.Type) ([]string, bool) {
			if elem != reflect.TypeFor[MatchValue]() {
				return nil, false
			}
			return matchPlaceKeys(pattern), true
		},
		Opaque:   func(t reflect.Type) bool { return t == reflect.TypeFor[MatchValue]() },
		Label:    placeLabel,
		Singular: map[string]string{"rules": "rule", "receivers": "receiver", "apps": "app", "routes": "route"},
		Notes: map[string]string{
			"routes[].continue": "a route has no `continue`: the first route that matches picks the receivers; list every receiver the pages should reach in that route's receivers",
		},
	})
})

// misplaced says where key belongs when the mapping at path does not take
// it (see yamlpos.Places.Misplaced).
func misplaced(key, path string) string { return layout().Misplaced(key, path) }

// matchPlaceKeys are the keys of the match map at pattern: a rule's match
// keys, plus rule and severity where an alert is matched (inhibit), or the
// route labels.
func matchPlaceKeys(pattern string) []string {
	switch {
	case strings.HasPrefix(pattern, "inhibit[]."):
		return append(match.MatchKeys(), "rule", "severity")
	case strings.HasPrefix(pattern, "routes[]."):
		return slices.Clone(routeLabels)
	}
	return match.MatchKeys()
}

// placeLabel names the keys of the rules file's match mappings: "a match
// field", "an inhibit source field", "a route label"; "" for the others.
func placeLabel(pattern string) string {
	last := pattern[strings.LastIndexByte(pattern, '.')+1:]
	switch {
	case strings.HasPrefix(pattern, "inhibit[].") && (last == "source" || last == "target"):
		return "an inhibit " + last + " field"
	case pattern == "routes[].match":
		return "a route label"
	case last == "match" || last == "clear" || last == "rearm":
		return "a match field"
	}
	return ""
}
