package rules

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"text/template"
	"unicode"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules/yamlpos"
)

// template parses src and executes it once against an empty event, so that a
// misspelt field ({{.Usr}}) is a load error rather than a failure at 3 a.m.
func (c *compiler) template(path, where, what, src string) *template.Template {
	t, err := template.New(what).Funcs(match.TemplateFuncs()).Parse(src)
	if err == nil {
		err = t.Execute(io.Discard, match.TemplateData{Facts: &match.Facts{Payload: map[string]any{}}})
	}
	if err != nil {
		c.errorf(path, "%s: %s: %s", where, what, templateMessage(err))
		return nil
	}
	if match.TemplateMayReadPayload(t) {
		c.payload = true
	}
	return t
}

var (
	// "template: title:1: function "x" not defined" and
	// "template: title:1:10: executing "title" at <.Usr>: can't evaluate ..."
	templatePrefixRE = regexp.MustCompile(`^template: [^:]*:\d+(:\d+)?: (executing "[^"]*" )?`)
	unknownFieldRE   = regexp.MustCompile(`can't evaluate field (\w+) in type`)
)

// templateMessage strips text/template's own prefix and suggests a field for
// a misspelt one.
func templateMessage(err error) string {
	msg := templatePrefixRE.ReplaceAllString(err.Error(), "")
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		msg = "unknown field ." + m[1]
		if s := alert.Closest(m[1], templateFields()); s != "" {
			msg += ", did you mean ." + s + "?"
		} else {
			msg += " (fields: " + strings.Join(templateFields(), ", ") + ")"
		}
	}
	return msg
}

// templateFields are the names a template may use after the dot.
func templateFields() []string {
	var names []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[match.TemplateData]()) {
		if f.IsExported() && !f.Anonymous {
			names = append(names, f.Name)
		}
	}
	return names
}

// factFields are the names a `when:` expression may use.
func factFields() []string {
	var names []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[match.Facts]()) {
		if f.IsExported() {
			names = append(names, f.Name)
		}
	}
	return names
}

var unknownNameRE = regexp.MustCompile(`^unknown name (\w+)`)

// when compiles a `when:` expression against match.Facts, so that a typo or a type
// mismatch is a load error. Errors point into the expression where they can.
func (c *compiler) when(path, where, src string) *vm.Program {
	prog, err := expr.Compile(src, expr.Env(match.Facts{}), expr.AsBool())
	if err == nil {
		// An expression reaches the payload only by naming it (Payload,
		// Raw.Payload) or through the whole environment ($env).
		if strings.Contains(src, "Payload") || strings.Contains(src, "$env") {
			c.payload = true
		}
		return prog
	}
	if c.d.FailedUnder(path) {
		return nil
	}
	p := c.d.Pos(path)
	msg := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = fe.Message
		if m := unknownNameRE.FindStringSubmatch(msg); m != nil {
			if s := alert.Closest(m[1], factFields()); s != "" {
				msg += ", did you mean " + s + "?"
			}
		}
		msg = exprMessage(msg, src, fe)
		p = c.exprPos(p, fe)
	}
	c.errorAt(p, "%s: when: %s", where, msg)
	return nil
}

var (
	// "type catalog.Code has no field Nme"
	noFieldRE = regexp.MustCompile(`^type (\S+) has no field (\w+)$`)
	// a Go type of hook's own, package-qualified: "catalog.Code"
	goTypeRE = regexp.MustCompile(`\b[a-z]+\.[A-Z]\w*\b`)
)

// typeWords name the Go types a `when:` expression can reach in the
// operator's words.
var typeWords = map[string]string{"catalog.Code": "code", "callback.Event": "raw callback", "time.Time": "time"}

// exprMessage rewords an expr compile error for the operator: a missing
// field is named by what the expression wrote ("Status has no field Nme,
// did you mean Name?"), and no Go type name of hook's leaks ("catalog.Code"
// is "code").
func exprMessage(msg, src string, fe *file.Error) string {
	if m := noFieldRE.FindStringSubmatch(msg); m != nil {
		owner := exprOwner(src, fe)
		if owner == "" {
			owner = "the " + goTypeWord(m[1])
		}
		t, ok := factTypes()[m[1]]
		names := []string(nil)
		if ok {
			names = exportedFields(t)
		}
		if len(names) == 0 {
			word := goTypeWord(m[1])
			switch m[1] {
			case "int", "int64", "float64":
				word = "number"
			case "bool":
				word = "boolean"
			}
			return fmt.Sprintf("%s is a %s: it has no field %s", owner, word, m[2])
		}
		if s := alert.Closest(m[2], names); s != "" {
			return fmt.Sprintf("%s has no field %s, did you mean %s?", owner, m[2], s)
		}
		return fmt.Sprintf("%s has no field %s (a %s has %s)", owner, m[2], goTypeWord(m[1]), strings.Join(names, ", "))
	}
	msg = goTypeRE.ReplaceAllStringFunc(msg, goTypeWord)
	if strings.Contains(msg, "mismatched types code") || strings.Contains(msg, "and code)") {
		msg += " (compare a code's .Value, .Name or .Title, e.g. Status.Value == 1)"
	}
	return msg
}

// goTypeWord is a Go type's name in the operator's words.
func goTypeWord(goType string) string {
	if w, ok := typeWords[goType]; ok {
		return w
	}
	if _, name, ok := strings.Cut(goType, "."); ok {
		return strings.ToLower(name)
	}
	return goType
}

// exprOwner is what the expression wrote before the field the error names:
// "Status" in "Status.Nme == 1". The error's column points at the field.
func exprOwner(src string, fe *file.Error) string {
	lines := strings.Split(src, "\n")
	if fe.Line < 1 || fe.Line > len(lines) {
		return ""
	}
	line := []rune(lines[fe.Line-1])
	end := fe.Column - 1 // the '.' before the field
	if end < 1 || end >= len(line) || line[end] != '.' {
		return ""
	}
	start := end
	for start > 0 && (line[start-1] == '.' || line[start-1] == '_' || unicode.IsLetter(line[start-1]) || unicode.IsDigit(line[start-1])) {
		start--
	}
	return string(line[start:end])
}

// factTypes maps the Go type names reachable from match.Facts to their types.
func factTypes() map[string]reflect.Type {
	types := map[string]reflect.Type{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		if _, seen := types[t.String()]; seen || t.Kind() != reflect.Struct {
			return
		}
		types[t.String()] = t
		for _, f := range reflect.VisibleFields(t) {
			if f.IsExported() {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[match.Facts]())
	return types
}

func exportedFields(t reflect.Type) []string {
	var names []string
	for _, f := range reflect.VisibleFields(t) {
		if f.IsExported() && !f.Anonymous {
			names = append(names, f.Name)
		}
	}
	return names
}

// exprPos moves p, the start of the `when:` value, to the column the
// expression's error names, when the value sits on one line as written.
func (c *compiler) exprPos(p yamlpos.Pos, fe *file.Error) yamlpos.Pos {
	if fe.Line != 1 || p.Line < 1 {
		return p
	}
	lines := strings.SplitN(string(c.src), "\n", p.Line+1)
	if len(lines) < p.Line {
		return p
	}
	line := lines[p.Line-1]
	if p.Col-1 >= len(line) {
		return p
	}
	switch line[p.Col-1] {
	case '|', '>': // a block scalar: the expression starts on the next line
		return p
	case '"', '\'':
		p.Col++
	}
	p.Col += fe.Column
	return p
}
