package match

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// Compile resolves one match entry: key, the field, and v, what the rule
// wrote for it. Errors name what was wrong and, for
// unknown catalogue names, the closest valid one; each carries the place of
// the offending value where it is known.
func Compile(cat *catalog.Catalog, key string, v MatchValue) (*Matcher, []yamlpos.Error) {
	m := &Matcher{Key: key, Want: v.String()}
	if f, ok := CodeField(key); ok {
		m.Field, m.Scoped = f, cat.IsScoped(f)
	} else if sf, ok := StringFieldOf(key); ok {
		m.Str = sf
	} else {
		return nil, []yamlpos.Error{{Msg: fmt.Sprintf("unknown match field `%s`%s", key, yamlpos.SuggestField(key, MatchKeys(), "match"))}}
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
			if m.Str == FieldScene && !ValidScene(s) {
				errs = append(errs, yamlpos.Error{Pos: valuePos(v, i), Msg: fmt.Sprintf("match.scene: %q is neither live nor call%s", s, SceneHint(s))})
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

// MatchValue is what a match field accepts: a scalar, a list of scalars (any
// of them), {regex: "..."}, or {not: <any of those>}.
type MatchValue struct {
	Values []string // scalars as written
	Regex  string
	Not    *MatchValue

	pos      yamlpos.Pos   // where the value starts
	valuePos []yamlpos.Pos // where each of Values was written
}

// matchOperators are the keys of a match object.
var matchOperators = []string{"not", "regex"}

// DecodeNode reads a match value in any of its forms.
func (m *MatchValue) DecodeNode(n *yaml.Node) error {
	m.pos = yamlpos.PosOf(n)
	switch n.Kind {
	case yaml.AliasNode:
		return m.DecodeNode(n.Alias)
	case yaml.ScalarNode:
		m.Values, m.valuePos = []string{n.Value}, []yamlpos.Pos{yamlpos.PosOf(n)}
		return nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return fmt.Errorf("an empty list matches nothing; remove the field or give values")
		}
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return &yamlpos.Error{Pos: yamlpos.PosOf(item), Msg: fmt.Sprintf("list items of a match must be plain values, got %s", yamlpos.DescribeNode(item))}
			}
			m.Values = append(m.Values, item.Value)
			m.valuePos = append(m.valuePos, yamlpos.PosOf(item))
		}
		return nil
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return fmt.Errorf("a match object takes exactly one of regex or not")
		}
		key, val := n.Content[0], n.Content[1]
		switch key.Value {
		case "regex":
			if val.Kind != yaml.ScalarNode || val.Value == "" {
				return &yamlpos.Error{Pos: yamlpos.PosOf(val), Msg: fmt.Sprintf("regex: expected a non-empty string, got %s", yamlpos.DescribeNode(val))}
			}
			m.Regex, m.valuePos = val.Value, []yamlpos.Pos{yamlpos.PosOf(val)}
			return nil
		case "not":
			m.Not = &MatchValue{}
			return m.Not.DecodeNode(val)
		}
		return &yamlpos.Error{Pos: yamlpos.PosOf(key), Msg: fmt.Sprintf("unknown match operator `%s`%s", key.Value, yamlpos.SuggestField(key.Value, matchOperators, ""))}
	}
	return fmt.Errorf("a match value must be a value, a list, {regex: ...} or {not: ...}")
}
