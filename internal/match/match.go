// Package match is what rules are evaluated on and with, below both the
// rules file (package rules compiles into it) and the engine (which runs
// it): an event's Facts with every code named, matchers, the fields
// group_by, inhibit and silences label alerts by, key and page templates
// and the data they see.
package match

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/hookdev/hook/internal/catalog"
)

// StringField names a text-valued field of Facts, resolved at load so that
// matching reads it without comparing key names.
type StringField uint8

const (
	NoStringField StringField = iota
	FieldApp
	FieldRoom
	FieldUser
	FieldTask
	FieldErrorCode
	FieldScene // the app's scene, from the rules file (scene.go)
)

// stringFields are match keys compared as text.
var stringFields = map[string]StringField{
	"app": FieldApp, "room": FieldRoom, "user": FieldUser, "task": FieldTask, "error_code": FieldErrorCode,
	"scene": FieldScene,
}

// StringFieldOf is the text field a match key names; ok is false for a key
// that names none (a code field, or nothing).
func StringFieldOf(key string) (f StringField, ok bool) {
	f, ok = stringFields[key]
	return f, ok
}

// MatchKeys lists every key a rule's match may use, sorted.
func MatchKeys() []string {
	keys := make([]string, 0, len(stringFields)+len(codeFields))
	for k := range stringFields {
		keys = append(keys, k)
	}
	for _, cf := range codeFields {
		keys = append(keys, string(cf.field))
	}
	slices.Sort(keys)
	return keys
}

// Matcher tests one field of an event. Everything is resolved at load (by
// package rules) so that matching allocates nothing: names became (event
// type, value) pairs, regular expressions are compiled, string fields are an
// enum.
type Matcher struct {
	Key    string
	Str    StringField // NoStringField for code fields
	Field  catalog.Field
	Scoped bool
	Negate bool
	Strs   []string
	Nums   []int
	Codes  []catalog.Scoped
	Re     *regexp.Regexp
	Want   string // what the rule asked for, as written, for explanations
	// Unknown matches codes the catalogue does not know (`event: unknown`), so
	// new TRTC events can be routed before hook learns their names.
	Unknown bool
}

// Match reports whether e passes m.
func (m *Matcher) Match(e *Facts) bool {
	return m.test(e) != m.Negate
}

func (m *Matcher) test(e *Facts) bool {
	if m.Str != NoStringField {
		s := e.stringField(m.Str)
		if m.Re != nil {
			return m.Re.MatchString(s)
		}
		return slices.Contains(m.Strs, s)
	}
	c := e.codeField(m.Field)
	if c.Value < 0 {
		return false // the callback did not carry this field
	}
	if m.Re != nil {
		return m.Re.MatchString(c.Name)
	}
	if slices.Contains(m.Nums, c.Value) || m.Unknown && !c.Known {
		return true
	}
	for _, s := range m.Codes {
		if s.Value == c.Value && (!m.Scoped || s.EventType == e.Raw.Type) {
			return true
		}
	}
	return false
}

// Got describes the event's value of the matcher's field, for explanations.
func (m *Matcher) Got(e *Facts) string {
	if m.Str != NoStringField {
		return strconv.Quote(e.stringField(m.Str))
	}
	c := e.codeField(m.Field)
	if c.Value < 0 {
		return "absent"
	}
	return fmt.Sprintf("%s (%d)", c.Name, c.Value)
}
