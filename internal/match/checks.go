package match

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
)

// CompileTemplate parses a title, text or key template (what names it)
// and executes it once against an empty event, so that a misspelt field
// ({{.Usr}}) is a load error rather than a failure at 3 a.m. The error is
// in the operator's words, without text/template's own prefix.
func CompileTemplate(what, src string) (*template.Template, error) {
	t, err := template.New(what).Funcs(TemplateFuncs()).Parse(src)
	if err == nil {
		err = t.Execute(io.Discard, TemplateData{Facts: &Facts{Payload: map[string]any{}}})
	}
	if err != nil {
		return nil, errors.New(templateMessage(err))
	}
	return t, nil
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
	for _, f := range reflect.VisibleFields(reflect.TypeFor[TemplateData]()) {
		if f.IsExported() && !f.Anonymous {
			names = append(names, f.Name)
		}
	}
	return names
}

// factFields are the names a `when:` expression may use.
func factFields() []string {
	var names []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Facts]()) {
		if f.IsExported() {
			names = append(names, f.Name)
		}
	}
	return names
}

var unknownNameRE = regexp.MustCompile(`^unknown name (\w+)`)

// WhenError is a `when:` expression that does not compile, in the
// operator's words; Line and Column (1-based, 0 when unknown) are in the
// expression.
type WhenError struct {
	Msg          string
	Line, Column int
}

// CompileWhen compiles a `when:` expression against Facts, so that a typo
// or a type mismatch is a load error.
func CompileWhen(src string) (*vm.Program, *WhenError) {
	prog, err := expr.Compile(src, expr.Env(Facts{}), expr.AsBool())
	if err == nil {
		return prog, nil
	}
	we := &WhenError{Msg: err.Error()}
	var fe *file.Error
	if errors.As(err, &fe) {
		msg := fe.Message
		if m := unknownNameRE.FindStringSubmatch(msg); m != nil {
			if s := alert.Closest(m[1], factFields()); s != "" {
				msg += ", did you mean " + s + "?"
			}
		}
		we.Msg = exprMessage(msg, src, fe)
		we.Line, we.Column = fe.Line, fe.Column
	}
	return nil, we
}

// WhenMayReadPayload reports whether a `when:` expression may read the
// callback's Payload: it reaches it only by naming it (Payload,
// Raw.Payload) or through the whole environment ($env).
func WhenMayReadPayload(src string) bool {
	return strings.Contains(src, "Payload") || strings.Contains(src, "$env")
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

// factTypes maps the Go type names reachable from Facts to their types.
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
	walk(reflect.TypeFor[Facts]())
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
