package yamlpos

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// syntaxError turns yaml's "yaml: line 3: ..." into a positioned error. The
// parser reports no column, so the error points at the start of the line.
func syntaxError(err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return Error{Pos{line, 1}, "syntax error: " + text}
			}
		}
	}
	return Error{Pos{1, 1}, "syntax error: " + msg}
}

// maxSyntaxErrors bounds how many syntax errors one check reports.
const maxSyntaxErrors = 10

// SyntaxErrors reports err and, when it is a tab in the indentation, the
// syntax errors after it: the parser stops at the first error, and a tab
// (which an editor shows as spaces) is easily one of several. Each tab is
// reported at its own line and column; its line is then blanked, keeping the
// numbering, and the file parsed again, until it parses, another kind of
// error is found (reported at its real place, see syntaxAt, then no
// further), or maxSyntaxErrors. layout (nil for none) places the keys an
// indentation hint names.
func SyntaxErrors(data []byte, err error, layout Layout) []Error {
	var errs []Error
	lines := strings.Split(string(data), "\n")
	for err != nil && len(errs) < maxSyntaxErrors {
		pe := syntaxError(err)
		if !strings.Contains(err.Error(), "tab character") {
			return append(errs, syntaxAt(lines, err, layout))
		}
		line, col := tabIndent(lines, pe.Line)
		if line == 0 {
			return append(errs, pe)
		}
		errs = append(errs, Error{Pos{line, col}, "syntax error: a tab in the indentation (YAML indents with spaces only)"})
		lines[line-1] = ""
		var n yaml.Node
		err = yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &n)
	}
	return errs
}

// tabIndent finds the first line from from (1-based; the parser names the
// line before the tab as often as the tab's own) whose indentation holds a
// tab, and the tab's column; 0 if none does.
func tabIndent(lines []string, from int) (line, col int) {
	for i := max(from-1, 0); i < len(lines); i++ {
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]
		if j := strings.IndexByte(indent, '\t'); j >= 0 {
			return i + 1, j + 1
		}
	}
	return 0, 0
}

// LoadError lists every problem found in a document, one
// "file:line:col: what is wrong" each, in file order.
type LoadError struct {
	Errs []string
	// Quotes holds, for each of Errs, the line of the file it is about and a
	// caret under its column ("" for an error about no line); Annotated
	// prints them.
	Quotes []string
}

func (e *LoadError) Error() string { return strings.Join(e.Errs, "\n") }

// NewLoadError words errs, about the document src named name, in file
// order, each with its line quoted.
func NewLoadError(name string, src []byte, errs []Error) *LoadError {
	SortErrors(errs)
	le := &LoadError{Errs: make([]string, 0, len(errs)), Quotes: make([]string, 0, len(errs))}
	lines := strings.Split(string(src), "\n")
	for _, e := range errs {
		if e.Line == 0 {
			le.Errs = append(le.Errs, fmt.Sprintf("%s: %s", name, e.Msg))
			le.Quotes = append(le.Quotes, "")
			continue
		}
		le.Errs = append(le.Errs, fmt.Sprintf("%s:%d:%d: %s", name, e.Line, e.Col, e.Msg))
		le.Quotes = append(le.Quotes, quote(lines, e.Pos))
	}
	return le
}
