package yamlpos

import (
	"cmp"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/alert"
)

// Pos is a place in the rules file (1-based line and column; 0 when unknown).
type Pos struct{ Line, Col int }

// posError is one problem at one place in the file.
type posError struct {
	Pos
	Msg string
}

func (e *posError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// nodeDecoder is implemented by types whose YAML form is not a plain struct,
// list or scalar (a duration, a match value). The strict decoder hands them
// their node; an error they return is reported at the node unless it is a
// *posError naming a more precise place.
type nodeDecoder interface {
	decodeNode(n *yaml.Node) error
}

// decoder decodes a yaml.Node tree into Go values by their yaml tags, strictly:
// it collects every unknown key, wrong type and bad value instead of stopping
// at the first, and records where every value was written, by path
// ("rules[2].dedup.window"), so that later validation can point at it too.
//
// A new key needs nothing here: a struct field with a yaml tag is decoded,
// checked and positioned like every other.
type decoder struct {
	errs   []posError
	at     map[string]Pos  // path -> position of its value
	keyAt  map[string]Pos  // path -> position of its key, for map entries and struct fields
	failed map[string]bool // paths whose value could not be decoded
	fields map[reflect.Type]*fieldSet
	// errPath is the path each of errs is about (by index), for messages
	// that name the rule it is in (nameRuleErrors).
	errPath map[int]string
	// misspelt holds, by the path of the field a misspelt key resembles,
	// what was written under the misspelt key ("recievers:" -> "receivers"),
	// so that references to it can still be checked.
	misspelt map[string]*yaml.Node
}

func newDecoder() *decoder {
	return &decoder{at: map[string]Pos{}, keyAt: map[string]Pos{}, failed: map[string]bool{},
		fields: map[reflect.Type]*fieldSet{}, errPath: map[int]string{}, misspelt: map[string]*yaml.Node{}}
}

// structFields is the package's structFields, memoised for one decode.
func (d *decoder) structFields(t reflect.Type) *fieldSet {
	fs, ok := d.fields[t]
	if !ok {
		fs = structFields(t)
		d.fields[t] = fs
	}
	return fs
}

func posOf(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

func (d *decoder) errorf(n *yaml.Node, path string, format string, args ...any) {
	d.errs = append(d.errs, posError{posOf(n), fmt.Sprintf(format, args...)})
	if path != "" {
		d.failed[path] = true
		d.errPath[len(d.errs)-1] = path
	}
}

// decodeDocument decodes the file's root node into v (a pointer).
func (d *decoder) decodeDocument(root *yaml.Node, v any) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	d.decode(n, reflect.ValueOf(v).Elem(), "")
}

var (
	nodeDecoderType   = reflect.TypeFor[nodeDecoder]()
	yamlUnmarshalType = reflect.TypeFor[yaml.Unmarshaler]()
)

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.at[path] = posOf(n)
	if isNull(n) {
		return // absent and null are the same: the zero value, defaulted later
	}
	if v.CanAddr() {
		switch {
		case v.Addr().Type().Implements(nodeDecoderType):
			d.custom(n, path, v.Addr().Interface().(nodeDecoder).decodeNode(n))
			return
		case v.Addr().Type().Implements(yamlUnmarshalType):
			d.custom(n, path, v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n))
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.decode(n, elem.Elem(), path)
		v.Set(elem)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.errorf(n, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.decodeScalar(n, v, path)
	}
}

func (d *decoder) custom(n *yaml.Node, path string, err error) {
	if err == nil {
		return
	}
	if pe, ok := err.(*posError); ok {
		d.errs = append(d.errs, *pe)
		d.failed[path] = true
		d.errPath[len(d.errs)-1] = path
		return
	}
	d.errorf(n, path, "%s: %s", fieldName(path), strings.TrimPrefix(err.Error(), "yaml: "))
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describeNode names what was written, for "expected X, got Y" messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	}
	return strconv.Quote(n.Value)
}

// typeWord names what a Go type expects, in the operator's words.
func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Pointer:
		return typeWord(t.Elem())
	}
	return t.String()
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "%s: expected %s, got %s", fieldName(path), typeWord(v.Type()), describeNode(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Tag == "!!bool" {
			// `channel: yes` is almost certainly a mistake; quoting says it is not.
			d.errorf(n, path, "%s: expected a string, got %s (quote it if you mean the text)", fieldName(path), describeNode(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Tag != "!!bool" || err != nil {
			d.errorf(n, path, "%s: expected true or false, got %s", fieldName(path), describeNode(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 0, v.Type().Bits())
		if n.Tag != "!!int" || err != nil {
			d.errorf(n, path, "%s: expected a whole number, got %s", fieldName(path), describeNode(n))
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := strconv.ParseUint(n.Value, 0, v.Type().Bits())
		if n.Tag != "!!int" || err != nil {
			d.errorf(n, path, "%s: expected a whole number, got %s", fieldName(path), describeNode(n))
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, v.Type().Bits())
		if (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
			d.errorf(n, path, "%s: expected a number, got %s", fieldName(path), describeNode(n))
			return
		}
		v.SetFloat(f)
	default:
		d.errorf(n, path, "%s: cannot decode into %s", fieldName(path), v.Type())
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf(" (write [%s] for a list of one)", n.Value)
		}
		d.errorf(n, path, "%s: expected a list, got %s%s", fieldName(path), describeNode(n), hint)
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "%s: expected a mapping, got %s", fieldName(path), describeNode(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		d.errorf(n, path, "%s: cannot decode into %s", fieldName(path), v.Type())
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		if !d.checkKey(k, seen, sub) {
			continue
		}
		d.keyAt[sub] = posOf(k)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, sub)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

// checkKey rejects non-scalar and repeated keys; YAML would silently keep the
// last of two `severity:` lines, and the operator would not know which won.
func (d *decoder) checkKey(k *yaml.Node, seen map[string]*yaml.Node, path string) bool {
	if k.Kind != yaml.ScalarNode {
		d.errorf(k, path, "keys must be plain names, got %s", describeNode(k))
		return false
	}
	if first, dup := seen[k.Value]; dup {
		d.errorf(k, path, "%s: key given twice (first at line %d)", fieldName(path), first.Line)
		return false
	}
	seen[k.Value] = k
	return true
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "%s: expected a mapping, got %s", fieldName(path), describeNode(n))
		return
	}
	fields := d.structFields(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		if !d.checkKey(k, seen, sub) {
			continue
		}
		idx, ok := fields.index[k.Value]
		if !ok {
			// A misspelt key is probably the field it resembles: treat that
			// one as failed too, so validation does not also call it missing.
			meant := join(path, alert.Closest(k.Value, fields.names))
			if hint := misplaced(k.Value, path); hint != "" {
				// A key of another level: where it belongs, not a lookalike.
				d.errorf(k, join(path, k.Value), "%s", hint)
				continue
			}
			d.errorf(k, meant, "unknown field `%s`%s", k.Value, suggestField(k.Value, fields.names, path))
			if _, first := d.misspelt[meant]; !first && meant != path {
				d.misspelt[meant] = val
			}
			continue
		}
		d.keyAt[sub] = posOf(k)
		d.decode(val, v.FieldByIndex(idx), sub)
	}
}

// suggestField phrases "did you mean" for a key, or lists the valid keys when
// nothing is close.
func suggestField(key string, names []string, path string) string {
	if c := alert.Closest(key, names); c != "" {
		return fmt.Sprintf(", did you mean `%s`?", c)
	}
	where := "here"
	if path != "" {
		where = "in " + fieldName(path)
	}
	return fmt.Sprintf(" (valid %s: %s)", where, strings.Join(names, ", "))
}

type fieldSet struct {
	index map[string][]int
	names []string // sorted, for suggestions
}

// structFields lists a struct type's yaml keys (exported fields with a tag
// other than "-"; untagged exported fields use their lower-cased name).
func structFields(t reflect.Type) *fieldSet {
	fs := &fieldSet{index: map[string][]int{}}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs.index[name] = f.Index
		fs.names = append(fs.names, name)
	}
	slices.Sort(fs.names)
	return fs
}

// YAMLKeys lists the keys a struct type accepts, for tests that keep the JSON
// Schema in step with the Go types.
func YAMLKeys(t reflect.Type) []string { return slices.Clone(structFields(t).names) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldName is the last component of a path, as the operator wrote it:
// "rules[2].dedup.window" -> "window"; "rules[2].receivers[0]" -> "receivers[0]".
func fieldName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	if path == "" {
		return "the file"
	}
	return path
}

// parent drops the last component of a path: "rules[2].dedup" -> "rules[2]" -> "rules" -> "".
func parent(path string) string {
	i := max(strings.LastIndexByte(path, '.'), strings.LastIndexByte(path, '['))
	if i < 0 {
		return ""
	}
	return path[:i]
}

// pos returns where path was written, else where its nearest written
// ancestor was: a missing field is reported at the object that lacks it.
func (d *decoder) pos(path string) Pos {
	for {
		if p, ok := d.at[path]; ok {
			return p
		}
		if path == "" {
			return Pos{}
		}
		path = parent(path)
	}
}

// keyPos is where path's key was written (its value's place when it has none).
func (d *decoder) keyPos(path string) Pos {
	if p, ok := d.keyAt[path]; ok {
		return p
	}
	return d.pos(path)
}

// failedUnder reports whether path or anything under or above it could not be
// decoded; validation keeps quiet about those, to report each mistake once.
func (d *decoder) failedUnder(path string) bool {
	for p := range d.failed {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") ||
			strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// ruleIndexRE reads the rule a path is in: "rules[2].dedup.window" -> 2.
var ruleIndexRE = regexp.MustCompile(`^rules\[(\d+)\]`)

// nameRuleErrors starts every decoding error inside a named rule with
// `rule "name": `, as the rest of validation words its messages: an operator
// finds the rule by its name, not by its place in the list.
func (d *decoder) nameRuleErrors(rules []Rule) {
	for i, path := range d.errPath {
		m := ruleIndexRE.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		r, err := strconv.Atoi(m[1])
		if err != nil || r >= len(rules) || rules[r].Name == "" || d.failedUnder(fmt.Sprintf("rules[%d].name", r)) {
			continue
		}
		d.errs[i].Msg = fmt.Sprintf("rule %q: %s", rules[r].Name, d.errs[i].Msg)
	}
}

func sortErrors(errs []posError) {
	slices.SortStableFunc(errs, func(a, b posError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}
