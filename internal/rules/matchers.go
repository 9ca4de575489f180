package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
)

// compileMatcher resolves one match entry. Errors name what was wrong and, for
// unknown catalogue names, the closest valid one; each carries the place of
// the offending value where it is known.
func compileMatcher(cat *catalog.Catalog, key string, v MatchValue) (*match.Matcher, []yamlpos.Error) {
	m := &match.Matcher{Key: key, Want: v.String()}
	if f, ok := match.CodeField(key); ok {
		m.Field, m.Scoped = f, cat.IsScoped(f)
	} else if sf, ok := match.StringFieldOf(key); ok {
		m.Str = sf
	} else {
		return nil, []yamlpos.Error{{Msg: fmt.Sprintf("unknown match field `%s`%s", key, yamlpos.SuggestField(key, match.MatchKeys(), "match"))}}
	}
	for v.Not != nil {
		m.Negate = !m.Negate
		v = *v.Not
	}
	if v.Regex != "" {
		re, err := regexp.Compile(v.Regex)
		if err != nil {
			return nil, []yamlpos.Error{{Pos: firstPos(v.valuePos), Msg: fmt.Sprintf("match.%s: bad regex: %s", key, strings.TrimPrefix(err.Error(), "error parsing regexp: "))}}
		}
		m.Re = re
		return m, nil
	}
	if len(v.Values) == 0 {
		return nil, []yamlpos.Error{{Pos: v.pos, Msg: fmt.Sprintf("match.%s: needs a value, a list, {regex: ...} or {not: ...}", key)}}
	}
	var errs []yamlpos.Error
	for i, s := range v.Values {
		if m.Field == "" {
			if m.Str == match.FieldScene && !match.ValidScene(s) {
				errs = append(errs, yamlpos.Error{Pos: valuePos(v, i), Msg: fmt.Sprintf("match.scene: %q is neither live nor call%s", s, match.SceneHint(s))})
			}
			m.Strs = append(m.Strs, s)
			continue
		}
		if n, err := strconv.Atoi(s); err == nil {
			m.Nums = append(m.Nums, n)
			continue
		}
		if s == catalog.Unknown {
			m.Unknown = true
			continue
		}
		vals, ok := cat.Values(m.Field, s)
		if !ok {
			errs = append(errs, yamlpos.Error{Pos: valuePos(v, i), Msg: fmt.Sprintf("match.%s: unknown %s %q%s", key, key, s, suggestName(s, cat, m.Field))})
			continue
		}
		m.Codes = append(m.Codes, vals...)
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
func valuePos(v MatchValue, i int) yamlpos.Pos {
	if i < len(v.valuePos) {
		return v.valuePos[i]
	}
	return yamlpos.Pos{}
}

func firstPos(ps []yamlpos.Pos) yamlpos.Pos {
	if len(ps) == 0 {
		return yamlpos.Pos{}
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
