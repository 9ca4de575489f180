package rules

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
)

// place is one kind of mapping in a rules file and the keys it takes, so
// that a key written at the wrong level can be told where it belongs
// ("`severity` is a rule field; it is under `match:` here").
type place struct {
	pattern string // the mapping's path, list indexes as []: "rules[].threshold"
	keys    []string
}

// places lists every mapping of the rules file, read from the Go types the
// decoder fills (a new field needs nothing here) and the match keys.
var places = sync.OnceValue(func() []place {
	var out []place
	var walk func(pattern string, t reflect.Type)
	walk = func(pattern string, t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer:
			walk(pattern, t.Elem())
		case reflect.Slice:
			walk(pattern+"[]", t.Elem())
		case reflect.Map:
			if t.Elem() == reflect.TypeFor[MatchValue]() {
				out = append(out, place{pattern, matchPlaceKeys(pattern)})
			}
		case reflect.Struct:
			if t == reflect.TypeFor[MatchValue]() {
				return
			}
			fs := yamlpos.StructFields(t)
			if len(fs.Names) == 0 {
				return // a type with its own YAML form (Duration, Share)
			}
			out = append(out, place{pattern, fs.Names})
			// In the order the fields are declared, so that of two places a
			// key fits, the first is the one meant (match before clear).
			for _, f := range reflect.VisibleFields(t) {
				if name, ok := fieldKey(fs, f); ok {
					walk(yamlpos.Join(pattern, name), f.Type)
				}
			}
		}
	}
	walk("", reflect.TypeFor[File]())
	return out
})

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

// placeIndexRE finds list indexes in a path.
var placeIndexRE = regexp.MustCompile(`\[\d+\]`)

// patternOf is path's place pattern: "rules[2].match" -> "rules[].match".
func patternOf(path string) string { return placeIndexRE.ReplaceAllString(path, "[]") }

// placeLabel names what a key of the mapping at pattern is, with its article:
// "a rule field", "a match field", "a top-level key".
func placeLabel(pattern string) string {
	last := lastKey(pattern)
	switch {
	case pattern == "":
		return "a top-level key"
	case strings.HasPrefix(pattern, "inhibit[].") && (last == "source" || last == "target"):
		return "an inhibit " + last + " field"
	case pattern == "routes[].match":
		return "a route label"
	case last == "match" || last == "clear" || last == "rearm":
		return "a match field"
	}
	noun := placeNoun(pattern)
	return article(noun) + " " + noun + " field"
}

// placeNoun is the thing a mapping is: "rule" for rules[], "threshold" for
// rules[].threshold.
func placeNoun(pattern string) string {
	noun := strings.TrimSuffix(lastKey(pattern), "[]")
	if s, ok := singular[noun]; ok {
		return s
	}
	return noun
}

var singular = map[string]string{"rules": "rule", "receivers": "receiver", "apps": "app", "routes": "route"}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// placeHere says where a mapping is, for "it is ... here".
func placeHere(pattern string) string {
	switch {
	case pattern == "":
		return "at the top level"
	case strings.HasSuffix(pattern, "[]"):
		return "directly in the " + placeNoun(pattern)
	}
	return "under `" + lastKey(pattern) + ":`"
}

// placeAt returns the mapping at pattern, if there is one.
func placeAt(pattern string) (place, bool) {
	for _, p := range places() {
		if p.pattern == pattern {
			return p, true
		}
	}
	return place{}, false
}

// takesKey reports whether the mapping at pattern takes key.
func takesKey(pattern, key string) bool {
	p, ok := placeAt(pattern)
	return ok && slices.Contains(p.keys, key)
}

// misplaced says where key belongs when it is not valid in the mapping at
// path but is valid elsewhere in the file: "`severity` is a rule field; it
// is under `match:` here (outdent it to line up with `match:`)". It is ""
// when key is valid nowhere (a misspelling, for "did you mean") or valid here.
func misplaced(key, path string) string {
	here := patternOf(path)
	if takesKey(here, key) {
		return ""
	}
	if note, ok := placeNotes[here+"."+key]; ok {
		return note
	}
	var parent, child string
	var others []string
	for _, p := range places() {
		if !slices.Contains(p.keys, key) {
			continue
		}
		switch {
		case parent == "" && p.pattern == parentPattern(here) && !strings.HasSuffix(here, "[]"):
			parent = p.pattern
		case child == "" && strings.HasPrefix(p.pattern, yamlpos.Join(here, "")) && p.pattern != here && !strings.Contains(strings.TrimPrefix(p.pattern, yamlpos.Join(here, "")), "."):
			child = p.pattern
		default:
			if l := placeLabel(p.pattern); !slices.Contains(others, l) {
				others = append(others, l)
			}
		}
	}
	name := "`" + key + "`"
	where := placeHere(here)
	switch {
	case parent != "":
		return fmt.Sprintf("%s is %s; it is %s here (outdent it to line up with `%s:`)", name, placeLabel(parent), where, lastKey(here))
	case child != "" && strings.HasSuffix(child, "[]"):
		return fmt.Sprintf("%s is %s; it is %s here (it goes in %s %s, under `%s:`)", name, placeLabel(child), where,
			article(placeNoun(child)), placeNoun(child), strings.TrimSuffix(lastKey(child), "[]"))
	case child != "":
		return fmt.Sprintf("%s is %s; it is %s here (indent it under `%s:`)", name, placeLabel(child), where, lastKey(child))
	case len(others) == 1 && others[0] == placeLabel(""):
		return fmt.Sprintf("%s is %s; it is %s here (top-level keys are not indented)", name, others[0], where)
	case len(others) > 0:
		list := others[len(others)-1]
		if len(others) > 1 {
			list = strings.Join(others[:len(others)-1], ", ") + " or " + list
		}
		return fmt.Sprintf("%s is %s; it is %s here", name, list, where)
	}
	return ""
}

// placeNotes answer keys that are right elsewhere but mean something else
// where they are written.
var placeNotes = map[string]string{
	"routes[].continue": "a route has no `continue`: the first route that matches picks the receivers; list every receiver the pages should reach in that route's receivers",
}

// parentPattern is the mapping pattern holding the one at pattern:
// "rules[].match" -> "rules[]"; "rules[]" -> "".
func parentPattern(pattern string) string {
	p := strings.TrimSuffix(pattern, "[]")
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

func lastKey(pattern string) string { return pattern[strings.LastIndexByte(pattern, '.')+1:] }

// fieldKey is the yaml key of struct field f, if the decoder reads it.
func fieldKey(fs *yamlpos.FieldSet, f reflect.StructField) (string, bool) {
	for name, idx := range fs.Index {
		if slices.Equal(idx, f.Index) {
			return name, true
		}
	}
	return "", false
}

// fileLayout is the rules file's layout, for the decoder's and the syntax
// errors' hints.
type fileLayout struct{}

func (fileLayout) Misplaced(key, path string) string { return misplaced(key, path) }
func (fileLayout) Takes(pattern, key string) bool    { return takesKey(pattern, key) }
func (fileLayout) Label(pattern string) string       { return placeLabel(pattern) }
