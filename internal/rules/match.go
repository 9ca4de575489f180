package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/hookdev/hook/internal/catalog"
)

// codeFields are match keys whose values are catalogue codes, written by name
// ("timeout") or number (2). scoped fields mean different things per event type.
var codeFields = map[string]struct {
	field  catalog.Field
	scoped bool
}{
	"group":        {catalog.FieldGroup, false},
	"event":        {catalog.FieldEvent, false},
	"reason":       {catalog.FieldReason, true},
	"role":         {catalog.FieldRole, false},
	"terminal":     {catalog.FieldTerminal, false},
	"user_type":    {catalog.FieldUserType, false},
	"status":       {catalog.FieldStatus, true},
	"leave_code":   {catalog.FieldLeaveCode, true},
	"relay_status": {catalog.FieldRelayStatus, false},
}

// stringFields are match keys compared as text.
var stringFields = []string{"app", "room", "user", "task", "error_code"}

// matchKeys lists every key a rule's match may use, for validation and suggestions.
func matchKeys() []string {
	keys := slices.Clone(stringFields)
	for k := range codeFields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// matcher tests one field of an event. Everything is resolved at load so that
// matching allocates nothing: names became (event type, value) pairs, regular
// expressions are compiled.
type matcher struct {
	key    string
	field  catalog.Field // "" for string fields
	scoped bool
	negate bool
	strs   []string
	nums   []int
	codes  []catalog.Scoped
	re     *regexp.Regexp
	// unknown matches codes the catalogue does not know (`event: unknown`), so
	// new TRTC events can be routed before hook learns their names.
	unknown bool
}

func (m *matcher) match(e *Facts) bool {
	return m.test(e) != m.negate
}

func (m *matcher) test(e *Facts) bool {
	if m.field == "" {
		s := e.stringField(m.key)
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

// compileMatcher resolves one match entry. Errors name what was wrong and, for
// unknown catalogue names, the closest valid one.
func compileMatcher(cat *catalog.Catalog, key string, v MatchValue) (*matcher, []string) {
	m := &matcher{key: key}
	if cf, ok := codeFields[key]; ok {
		m.field, m.scoped = cf.field, cf.scoped
	} else if !slices.Contains(stringFields, key) {
		return nil, []string{fmt.Sprintf("unknown match field %q%s", key, suggest(key, matchKeys()))}
	}
	for v.Not != nil {
		m.negate = !m.negate
		v = *v.Not
	}
	if v.Regex != "" {
		re, err := regexp.Compile(v.Regex)
		if err != nil {
			return nil, []string{fmt.Sprintf("match.%s: bad regex: %v", key, err)}
		}
		m.re = re
		return m, nil
	}
	if len(v.Values) == 0 {
		return nil, []string{fmt.Sprintf("match.%s: needs a value, a list, {regex: ...} or {not: ...}", key)}
	}
	var errs []string
	for _, s := range v.Values {
		if m.field == "" {
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
			errs = append(errs, fmt.Sprintf("match.%s: unknown %s %q%s", key, key, s, suggest(s, cat.Names(m.field))))
			continue
		}
		m.codes = append(m.codes, vals...)
	}
	return m, errs
}
