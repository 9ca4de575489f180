// Package yamlpos decodes YAML strictly and says where every problem is:
// an unknown key, a wrong type or a bad value is collected, not the first
// only, each at its line and column; syntax errors are found at the line at
// fault, not where yaml.v3 names them; and LoadError quotes each line with
// a caret under the column. It knows no document's layout: the rules file
// is package rules'.
package yamlpos

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/alert"
)

// Pos is a place in a YAML document (1-based line and column; 0 when unknown).
type Pos struct{ Line, Col int }

// Error is one problem at one place in the file.
type Error struct {
	Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// NodeDecoder is implemented by types whose YAML form is not a plain struct,
// list or scalar (a duration, a match value). The strict Decoder hands them
// their node; an error they return is reported at the node unless it is a
// *Error naming a more precise place.
type NodeDecoder interface {
	DecodeNode(n *yaml.Node) error
}

// Decoder decodes a yaml.Node tree into Go values by their yaml tags, strictly:
// it collects every unknown key, wrong type and bad value instead of stopping
// at the first, and records where every value was written, by path
// ("rules[2].dedup.window"), so that later validation can point at it too.
//
// A new key needs nothing here: a struct field with a yaml tag is decoded,
// checked and positioned like every other.
type Decoder struct {
	Errs   []Error
	At     map[string]Pos  // path -> position of its value
	KeyAt  map[string]Pos  // path -> position of its key, for map entries and struct fields
	Failed map[string]bool // paths whose value could not be decoded
	fields map[reflect.Type]*FieldSet
	// ErrPath is the path each of Errs is about (by index), for messages
	// that name where it is (the rules file names the rule it is in).
	ErrPath map[int]string
	// misspelt holds, by the path of the field a misspelt key resembles,
	// what was written under the misspelt key ("recievers:" -> "receivers"),
	// so that references to it can still be checked.
	Misspelt map[string]*yaml.Node
	// Layout, when set, tells a key written at the wrong level from a
	// misspelt one: the document's layout is its caller's to know.
	Layout Layout
}

// Layout is what a document's mappings take, for the hints about a key
// written at the wrong level or indentation.
type Layout interface {
	// Misplaced says where key belongs when the mapping at path does not
	// take it but another does; "" when none does, or this one does.
	Misplaced(key, path string) string
	// Takes reports whether the mapping at pattern ("rules[].match", list
	// indexes as []) takes key.
	Takes(pattern, key string) bool
	// Label names what a key of the mapping at pattern is: "a rule field".
	Label(pattern string) string
}

// NewDecoder is a decoder with nothing decoded yet.
func NewDecoder() *Decoder {
	return &Decoder{At: map[string]Pos{}, KeyAt: map[string]Pos{}, Failed: map[string]bool{},
		fields: map[reflect.Type]*FieldSet{}, ErrPath: map[int]string{}, Misspelt: map[string]*yaml.Node{}}
}

// structFields is the package's StructFields, memoised for one decode.
func (d *Decoder) structFields(t reflect.Type) *FieldSet {
	fs, ok := d.fields[t]
	if !ok {
		fs = StructFields(t)
		d.fields[t] = fs
	}
	return fs
}

// PosOf is where n was written.
func PosOf(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

// misplaced is d.Layout's answer, "" without one.
func (d *Decoder) misplaced(key, path string) string {
	if d.Layout == nil {
		return ""
	}
	return d.Layout.Misplaced(key, path)
}

func (d *Decoder) errorf(n *yaml.Node, path string, format string, args ...any) {
	d.Errs = append(d.Errs, Error{PosOf(n), fmt.Sprintf(format, args...)})
	if path != "" {
		d.Failed[path] = true
		d.ErrPath[len(d.Errs)-1] = path
	}
}

// DecodeDocument decodes the file's root node into v (a pointer).
func (d *Decoder) DecodeDocument(root *yaml.Node, v any) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	d.Decode(n, reflect.ValueOf(v).Elem(), "")
}

var (
	nodeDecoderType   = reflect.TypeFor[NodeDecoder]()
	yamlUnmarshalType = reflect.TypeFor[yaml.Unmarshaler]()
)

// Decode decodes n into v, whose path in the document is path, collecting
// every problem in d.Errs.
func (d *Decoder) Decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.At[path] = PosOf(n)
	if IsNull(n) {
		return // absent and null are the same: the zero value, defaulted later
	}
	if v.CanAddr() {
		switch {
		case v.Addr().Type().Implements(nodeDecoderType):
			d.custom(n, path, v.Addr().Interface().(NodeDecoder).DecodeNode(n))
			return
		case v.Addr().Type().Implements(yamlUnmarshalType):
			d.custom(n, path, v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n))
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.Decode(n, elem.Elem(), path)
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

func (d *Decoder) custom(n *yaml.Node, path string, err error) {
	if err == nil {
		return
	}
	if pe, ok := err.(*Error); ok {
		d.Errs = append(d.Errs, *pe)
		d.Failed[path] = true
		d.ErrPath[len(d.Errs)-1] = path
		return
	}
	d.errorf(n, path, "%s: %s", FieldName(path), strings.TrimPrefix(err.Error(), "yaml: "))
}

// IsNull reports whether n is null (written as null, ~ or nothing).
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// DescribeNode names what was written, for "expected X, got Y" messages.
func DescribeNode(n *yaml.Node) string {
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

func (d *Decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "%s: expected %s, got %s", FieldName(path), typeWord(v.Type()), DescribeNode(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Tag == "!!bool" {
			// `channel: yes` is almost certainly a mistake; quoting says it is not.
			d.errorf(n, path, "%s: expected a string, got %s (quote it if you mean the text)", FieldName(path), DescribeNode(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Tag != "!!bool" || err != nil {
			d.errorf(n, path, "%s: expected true or false, got %s", FieldName(path), DescribeNode(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 0, v.Type().Bits())
		if n.Tag != "!!int" || err != nil {
			d.errorf(n, path, "%s: expected a whole number, got %s", FieldName(path), DescribeNode(n))
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := strconv.ParseUint(n.Value, 0, v.Type().Bits())
		if n.Tag != "!!int" || err != nil {
			d.errorf(n, path, "%s: expected a whole number, got %s", FieldName(path), DescribeNode(n))
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, v.Type().Bits())
		if (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
			d.errorf(n, path, "%s: expected a number, got %s", FieldName(path), DescribeNode(n))
			return
		}
		v.SetFloat(f)
	default:
		d.errorf(n, path, "%s: cannot decode into %s", FieldName(path), v.Type())
	}
}

func (d *Decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf(" (write [%s] for a list of one)", n.Value)
		}
		d.errorf(n, path, "%s: expected a list, got %s%s", FieldName(path), DescribeNode(n), hint)
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.Decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

func (d *Decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "%s: expected a mapping, got %s", FieldName(path), DescribeNode(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		d.errorf(n, path, "%s: cannot decode into %s", FieldName(path), v.Type())
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := Join(path, k.Value)
		if !d.checkKey(k, seen, sub) {
			continue
		}
		d.KeyAt[sub] = PosOf(k)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.Decode(val, elem, sub)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

// checkKey rejects non-scalar and repeated keys; YAML would silently keep the
// last of two `severity:` lines, and the operator would not know which won.
func (d *Decoder) checkKey(k *yaml.Node, seen map[string]*yaml.Node, path string) bool {
	if k.Kind != yaml.ScalarNode {
		d.errorf(k, path, "keys must be plain names, got %s", DescribeNode(k))
		return false
	}
	if first, dup := seen[k.Value]; dup {
		d.errorf(k, path, "%s: key given twice (first at line %d)", FieldName(path), first.Line)
		return false
	}
	seen[k.Value] = k
	return true
}

func (d *Decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "%s: expected a mapping, got %s", FieldName(path), DescribeNode(n))
		return
	}
	fields := d.structFields(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := Join(path, k.Value)
		if !d.checkKey(k, seen, sub) {
			continue
		}
		idx, ok := fields.Index[k.Value]
		if !ok {
			// A misspelt key is probably the field it resembles: treat that
			// one as failed too, so validation does not also call it missing.
			meant := Join(path, alert.Closest(k.Value, fields.Names))
			if hint := d.misplaced(k.Value, path); hint != "" {
				// A key of another level: where it belongs, not a lookalike.
				d.errorf(k, Join(path, k.Value), "%s", hint)
				continue
			}
			d.errorf(k, meant, "unknown field `%s`%s", k.Value, SuggestField(k.Value, fields.Names, path))
			if _, first := d.Misspelt[meant]; !first && meant != path {
				d.Misspelt[meant] = val
			}
			continue
		}
		d.KeyAt[sub] = PosOf(k)
		d.Decode(val, v.FieldByIndex(idx), sub)
	}
}

// SuggestField phrases "did you mean" for a key, or lists the valid keys when
// nothing is close.
func SuggestField(key string, names []string, path string) string {
	if c := alert.Closest(key, names); c != "" {
		return fmt.Sprintf(", did you mean `%s`?", c)
	}
	where := "here"
	if path != "" {
		where = "in " + FieldName(path)
	}
	return fmt.Sprintf(" (valid %s: %s)", where, strings.Join(names, ", "))
}

type FieldSet struct {
	Index map[string][]int
	Names []string // sorted, for suggestions
}

// StructFields lists a struct type's yaml keys (exported fields with a tag
// other than "-"; untagged exported fields use their lower-cased name).
func StructFields(t reflect.Type) *FieldSet {
	fs := &FieldSet{Index: map[string][]int{}}
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
		fs.Index[name] = f.Index
		fs.Names = append(fs.Names, name)
	}
	slices.Sort(fs.Names)
	return fs
}

// YAMLKeys lists the keys a struct type accepts, for tests that keep the JSON
// Schema in step with the Go types.
func YAMLKeys(t reflect.Type) []string { return slices.Clone(StructFields(t).Names) }

// Join is the path of key under path: "rules[2]" and "dedup" give
// "rules[2].dedup".
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// FieldName is the last component of a path, as the operator wrote it:
// "rules[2].dedup.window" -> "window"; "rules[2].receivers[0]" -> "receivers[0]".
func FieldName(path string) string {
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
func (d *Decoder) Pos(path string) Pos {
	for {
		if p, ok := d.At[path]; ok {
			return p
		}
		if path == "" {
			return Pos{}
		}
		path = parent(path)
	}
}

// keyPos is where path's key was written (its value's place when it has none).
func (d *Decoder) KeyPos(path string) Pos {
	if p, ok := d.KeyAt[path]; ok {
		return p
	}
	return d.Pos(path)
}

// failedUnder reports whether path or anything under or above it could not be
// decoded; validation keeps quiet about those, to report each mistake once.
func (d *Decoder) FailedUnder(path string) bool {
	for p := range d.Failed {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") ||
			strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// SortErrors puts errs in file order.
func SortErrors(errs []Error) {
	slices.SortStableFunc(errs, func(a, b Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}
