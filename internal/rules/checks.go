package rules

import (
	"strings"
	"text/template"

	"github.com/expr-lang/expr/vm"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
)

// template compiles a template at path (see match.CompileTemplate), and
// notes whether it may read the payload.
func (c *compiler) template(path, where, what, src string) *template.Template {
	t, err := match.CompileTemplate(what, src)
	if err != nil {
		c.errorf(path, "%s: %s: %v", where, what, err)
		return nil
	}
	if match.TemplateMayReadPayload(t) {
		c.payload = true
	}
	return t
}

// when compiles a `when:` expression at path (see match.CompileWhen).
// Errors point into the expression where they can.
func (c *compiler) when(path, where, src string) *vm.Program {
	prog, bad := match.CompileWhen(src)
	if bad == nil {
		if match.WhenMayReadPayload(src) {
			c.payload = true
		}
		return prog
	}
	if c.d.FailedUnder(path) {
		return nil
	}
	p := c.d.Pos(path)
	if bad.Line > 0 {
		p = c.exprPos(p, bad)
	}
	c.errorAt(p, "%s: when: %s", where, bad.Msg)
	return nil
}

// exprPos moves p, the start of the `when:` value, to the column the
// expression's error names, when the value sits on one line as written.
func (c *compiler) exprPos(p yamlpos.Pos, we *match.WhenError) yamlpos.Pos {
	if we.Line != 1 || p.Line < 1 {
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
	p.Col += we.Column
	return p
}
