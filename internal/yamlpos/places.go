package yamlpos

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// place is one kind of mapping in a document and the keys it takes, so
// that a key written at the wrong level can be told where it belongs
// ("`severity` is a rule field; it is under `match:` here").
type place struct {
	pattern string // the mapping's path, list indexes as []: "rules[].threshold"
	keys    []string
}

// Schema is what the Go types a document decodes into do not say about
// its layout.
type Schema struct {
	Root reflect.Type // the type the document decodes into
	// MapKeys gives the keys of a map at pattern whose values are of type
	// elem, when they are known; ok is false for a map of any keys.
	MapKeys func(pattern string, elem reflect.Type) (keys []string, ok bool)
	// Opaque reports a struct with a YAML form of its own, whose fields are
	// no keys.
	Opaque func(t reflect.Type) bool
	// Label names what a key of the mapping at pattern is, where "a
	// <noun> field" would not say it; "" for that.
	Label func(pattern string) string
	// Singular names an item of a list: "rules" -> "rule".
	Singular map[string]string
	// Notes answer keys that are right elsewhere but mean something else
	// where they are written, by pattern and key: "routes[].continue".
	Notes map[string]string
}

// Places is a document's layout: every mapping in it, read from the Go
// types the decoder fills (a new field needs nothing here), and where a
// misplaced key belongs. It is a Layout.
type Places struct {
	schema Schema
	places []place
}

// NewPlaces reads the layout of the document s describes; what s leaves
// nil says nothing.
func NewPlaces(s Schema) *Places {
	if s.MapKeys == nil {
		s.MapKeys = func(string, reflect.Type) ([]string, bool) { return nil, false }
	}
	if s.Opaque == nil {
		s.Opaque = func(reflect.Type) bool { return false }
	}
	if s.Label == nil {
		s.Label = func(string) string { return "" }
	}
	var out []place
	var walk func(pattern string, t reflect.Type)
	walk = func(pattern string, t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer:
			walk(pattern, t.Elem())
		case reflect.Slice:
			walk(pattern+"[]", t.Elem())
		case reflect.Map:
			if keys, ok := s.MapKeys(pattern, t.Elem()); ok {
				out = append(out, place{pattern, keys})
			}
		case reflect.Struct:
			if s.Opaque(t) {
				return
			}
			fs := StructFields(t)
			if len(fs.Names) == 0 {
				return // a type with its own YAML form (Duration, Share)
			}
			out = append(out, place{pattern, fs.Names})
			// In the order the fields are declared, so that of two places a
			// key fits, the first is the one meant (match before clear).
			for _, f := range reflect.VisibleFields(t) {
				if name, ok := fieldKey(fs, f); ok {
					walk(Join(pattern, name), f.Type)
				}
			}
		}
	}
	walk("", s.Root)
	return &Places{schema: s, places: out}
}

// placeIndexRE finds list indexes in a path.
var placeIndexRE = regexp.MustCompile(`\[\d+\]`)

// patternOf is path's place pattern: "rules[2].match" -> "rules[].match".
func patternOf(path string) string { return placeIndexRE.ReplaceAllString(path, "[]") }

// Label names what a key of the mapping at pattern is, with its article:
// "a rule field", "a match field", "a top-level key".
func (ps *Places) Label(pattern string) string {
	if pattern == "" {
		return "a top-level key"
	}
	if l := ps.schema.Label(pattern); l != "" {
		return l
	}
	noun := ps.noun(pattern)
	return article(noun) + " " + noun + " field"
}

// noun is the thing a mapping is: "rule" for rules[], "threshold" for
// rules[].threshold.
func (ps *Places) noun(pattern string) string {
	noun := strings.TrimSuffix(lastKey(pattern), "[]")
	if s, ok := ps.schema.Singular[noun]; ok {
		return s
	}
	return noun
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// here says where a mapping is, for "it is ... here".
func (ps *Places) here(pattern string) string {
	switch {
	case pattern == "":
		return "at the top level"
	case strings.HasSuffix(pattern, "[]"):
		return "directly in the " + ps.noun(pattern)
	}
	return "under `" + lastKey(pattern) + ":`"
}

// at returns the mapping at pattern, if there is one.
func (ps *Places) at(pattern string) (place, bool) {
	for _, p := range ps.places {
		if p.pattern == pattern {
			return p, true
		}
	}
	return place{}, false
}

// Takes reports whether the mapping at pattern takes key.
func (ps *Places) Takes(pattern, key string) bool {
	p, ok := ps.at(pattern)
	return ok && slices.Contains(p.keys, key)
}

// Misplaced says where key belongs when it is not valid in the mapping at
// path but is valid elsewhere in the document: "`severity` is a rule field; it
// is under `match:` here (outdent it to line up with `match:`)". It is ""
// when key is valid nowhere (a misspelling, for "did you mean") or valid here.
func (ps *Places) Misplaced(key, path string) string {
	here := patternOf(path)
	if ps.Takes(here, key) {
		return ""
	}
	if note, ok := ps.schema.Notes[here+"."+key]; ok {
		return note
	}
	var parent, child string
	var others []string
	for _, p := range ps.places {
		if !slices.Contains(p.keys, key) {
			continue
		}
		switch {
		case parent == "" && p.pattern == parentPattern(here) && !strings.HasSuffix(here, "[]"):
			parent = p.pattern
		case child == "" && strings.HasPrefix(p.pattern, Join(here, "")) && p.pattern != here && !strings.Contains(strings.TrimPrefix(p.pattern, Join(here, "")), "."):
			child = p.pattern
		default:
			if l := ps.Label(p.pattern); !slices.Contains(others, l) {
				others = append(others, l)
			}
		}
	}
	name := "`" + key + "`"
	where := ps.here(here)
	switch {
	case parent != "":
		return fmt.Sprintf("%s is %s; it is %s here (outdent it to line up with `%s:`)", name, ps.Label(parent), where, lastKey(here))
	case child != "" && strings.HasSuffix(child, "[]"):
		return fmt.Sprintf("%s is %s; it is %s here (it goes in %s %s, under `%s:`)", name, ps.Label(child), where,
			article(ps.noun(child)), ps.noun(child), strings.TrimSuffix(lastKey(child), "[]"))
	case child != "":
		return fmt.Sprintf("%s is %s; it is %s here (indent it under `%s:`)", name, ps.Label(child), where, lastKey(child))
	case len(others) == 1 && others[0] == ps.Label(""):
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
func fieldKey(fs *FieldSet, f reflect.StructField) (string, bool) {
	for name, idx := range fs.Index {
		if slices.Equal(idx, f.Index) {
			return name, true
		}
	}
	return "", false
}
