package match

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
)

// stringField names a text-valued field of Facts, resolved at load so that
// matching reads it without comparing key names.
type stringField uint8

const (
	noStringField stringField = iota
	fieldApp
	fieldRoom
	fieldUser
	fieldTask
	fieldErrorCode
	fieldScene // the app's scene, from the rules file (scene.go)
)

// stringFields are match keys compared as text.
var stringFields = map[string]stringField{
	"app": fieldApp, "room": fieldRoom, "user": fieldUser, "task": fieldTask, "error_code": fieldErrorCode,
	"scene": fieldScene,
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

// matcher tests one field of an event. Everything is resolved at load so that
// matching allocates nothing: names became (event type, value) pairs, regular
// expressions are compiled, string fields are an enum.
type matcher struct {
	key    string
	str    stringField // noStringField for code fields
	field  catalog.Field
	scoped bool
	negate bool
	strs   []string
	nums   []int
	codes  []catalog.Scoped
	re     *regexp.Regexp
	want   string // what the rule asked for, as written, for explanations
	// unknown matches codes the catalogue does not know (`event: unknown`), so
	// new TRTC events can be routed before hook learns their names.
	unknown bool
}

func (m *matcher) match(e *Facts) bool {
	return m.test(e) != m.negate
}

func (m *matcher) test(e *Facts) bool {
	if m.str != noStringField {
		s := e.stringField(m.str)
		if m.re != nil {
			return m.re.MatchString(s)
		}
		return slices.Contains(m.strs, s)
	}
	c := e.codeField(m.field)
	if c.Value < 0 {
		return false // the callback did not carry this field
	}
	if m.re != nil {
		return m.re.MatchString(c.Name)
	}
	if slices.Contains(m.nums, c.Value) || m.unknown && !c.Known {
		return true
	}
	for _, s := range m.codes {
		if s.Value == c.Value && (!m.scoped || s.EventType == e.Raw.Type) {
			return true
		}
	}
	return false
}

// got describes the event's value of the matcher's field, for explanations.
func (m *matcher) got(e *Facts) string {
	if m.str != noStringField {
		return strconv.Quote(e.stringField(m.str))
	}
	c := e.codeField(m.field)
	if c.Value < 0 {
		return "absent"
	}
	return fmt.Sprintf("%s (%d)", c.Name, c.Value)
}

// compileMatcher resolves one match entry. Errors name what was wrong and, for
// unknown catalogue names, the closest valid one; each carries the place of
// the offending value where it is known.
func compileMatcher(cat *catalog.Catalog, key string, v MatchValue) (*matcher, []posError) {
	m := &matcher{key: key, want: v.String()}
	if cf, ok := codeFieldByKey(key); ok {
		m.field, m.scoped = cf.field, cat.IsScoped(cf.field)
	} else if sf, ok := stringFields[key]; ok {
		m.str = sf
	} else {
		return nil, []posError{{Msg: fmt.Sprintf("unknown match field `%s`%s", key, suggestField(key, MatchKeys(), "match"))}}
	}
	for v.Not != nil {
		m.negate = !m.negate
		v = *v.Not
	}
	if v.Regex != "" {
		re, err := regexp.Compile(v.Regex)
		if err != nil {
			return nil, []posError{{firstPos(v.valuePos), fmt.Sprintf("match.%s: bad regex: %s", key, strings.TrimPrefix(err.Error(), "error parsing regexp: "))}}
		}
		m.re = re
		return m, nil
	}
	if len(v.Values) == 0 {
		return nil, []posError{{v.pos, fmt.Sprintf("match.%s: needs a value, a list, {regex: ...} or {not: ...}", key)}}
	}
	var errs []posError
	for i, s := range v.Values {
		if m.field == "" {
			if m.str == fieldScene && !validScene(s) {
				errs = append(errs, posError{valuePos(v, i), fmt.Sprintf("match.scene: %q is neither live nor call%s", s, sceneHint(s))})
			}
			m.strs = append(m.strs, s)
			continue
		}
		if n, err := strconv.Atoi(s); err == nil {
			m.nums = append(m.nums, n)
			continue
		}
		if s == catalog.Unknown {
			m.unknown = true
			continue
		}
		vals, ok := cat.Values(m.field, s)
		if !ok {
			errs = append(errs, posError{valuePos(v, i), fmt.Sprintf("match.%s: unknown %s %q%s", key, key, s, suggestName(s, cat, m.field))})
			continue
		}
		m.codes = append(m.codes, vals...)
	}
	return m, errs
}

// suggestName proposes the closest catalogue name, or says where to look.
func suggestName(s string, cat *catalog.Catalog, f catalog.Field) string {
	if sug := alert.Suggest(s, cat.Names(f)); sug != "" {
		return sug
	}
	return fmt.Sprintf(" (run `hook catalog list callback` for the %s names)", f)
}

// valuePos is where the i-th of v's values was written, if known.
func valuePos(v MatchValue, i int) Pos {
	if i < len(v.valuePos) {
		return v.valuePos[i]
	}
	return Pos{}
}

func firstPos(ps []Pos) Pos {
	if len(ps) == 0 {
		return Pos{}
	}
	return ps[0]
}

// String writes the match value back in YAML flow style, for explanations.
func (v MatchValue) String() string {
	switch {
	case v.Not != nil:
		return "{not: " + v.Not.String() + "}"
	case v.Regex != "":
		return "{regex: " + strconv.Quote(v.Regex) + "}"
	case len(v.Values) == 1:
		return v.Values[0]
	}
	return "[" + strings.Join(v.Values, ", ") + "]"
}
