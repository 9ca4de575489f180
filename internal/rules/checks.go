package rules

import (
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"text/template"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/hookdev/hook/internal/alert"
)

// template parses src and executes it once against an empty event, so that a
// misspelt field ({{.Usr}}) is a load error rather than a failure at 3 a.m.
func (c *compiler) template(path, where, what, src string) *template.Template {
	t, err := template.New(what).Funcs(templateFuncs).Parse(src)
	if err == nil {
		err = t.Execute(io.Discard, TemplateData{Facts: Facts{Payload: map[string]any{}}})
	}
	if err != nil {
		c.errorf(path, "%s: %s: %s", where, what, templateMessage(err))
		return nil
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

// when compiles a `when:` expression against Facts, so that a typo or a type
// mismatch is a load error. Errors point into the expression where they can.
func (c *compiler) when(path, where, src string) *vm.Program {
	prog, err := expr.Compile(src, expr.Env(Facts{}), expr.AsBool())
	if err == nil {
		return prog
	}
	if c.d.failedUnder(path) {
		return nil
	}
	p := c.d.pos(path)
	msg := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = fe.Message
		if m := unknownNameRE.FindStringSubmatch(msg); m != nil {
			if s := alert.Closest(m[1], factFields()); s != "" {
				msg += ", did you mean " + s + "?"
			}
		}
		p = c.exprPos(p, fe)
	}
	c.errorAt(p, "%s: when: %s", where, msg)
	return nil
}

// exprPos moves p, the start of the `when:` value, to the column the
// expression's error names, when the value sits on one line as written.
func (c *compiler) exprPos(p Pos, fe *file.Error) Pos {
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
