package yamlpos

import (
	"fmt"
	"strings"
)

// Annotated is Error with each error's line of the file quoted under it and
// a caret under its column, as `hook check` prints them:
//
//	rules.yaml:232:4: syntax error: `per` is indented 3 spaces, ...
//	  232 |    per: "{{.App}}/{{.RoomKey}}/{{.Task}}"
//	      |    ^
//
// The first line of each stays "file:line:col: message", for editors and CI.
func (e *LoadError) Annotated() string {
	var b strings.Builder
	for i, msg := range e.Errs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(msg)
		if i < len(e.Quotes) && e.Quotes[i] != "" {
			b.WriteByte('\n')
			b.WriteString(e.Quotes[i])
		}
	}
	return b.String()
}

// quoteWidth is how much of a long line a quote shows, around the column.
const quoteWidth = 100

// quote is line p.Line of the file and a caret under column p.Col, each
// behind a gutter holding the line number; "" when the file has no such
// line. A long line is cut to quoteWidth characters around the column, and
// a tab before the column is kept under it, so the caret lines up however
// the terminal shows tabs (and a wide character, Chinese say, gets two
// spaces).
func quote(lines []string, p Pos) string {
	if p.Line < 1 || p.Line > len(lines) {
		return ""
	}
	text := []rune(strings.TrimRight(lines[p.Line-1], "\r"))
	col := min(max(p.Col, 1), len(text)+1) - 1 // 0-based, may be just past the end
	from, to := 0, len(text)
	pre, post := "", ""
	if len(text) > quoteWidth {
		from = max(0, min(col-quoteWidth/2, len(text)-quoteWidth))
		to = from + quoteWidth
		if from > 0 {
			pre = "…"
		}
		if to < len(text) {
			post = "…"
		}
	}
	var caret strings.Builder
	if pre != "" {
		caret.WriteByte(' ') // under the ellipsis
	}
	for _, r := range text[from:col] {
		switch {
		case r == '\t':
			caret.WriteByte('\t')
		case wide(r):
			caret.WriteString("  ")
		default:
			caret.WriteByte(' ')
		}
	}
	caret.WriteByte('^')
	gutter := fmt.Sprint(p.Line)
	blank := strings.Repeat(" ", len(gutter))
	return fmt.Sprintf("  %s | %s%s%s\n  %s | %s", gutter, pre, string(text[from:to]), post, blank, caret.String())
}

// wide reports whether a terminal shows r two columns wide (East Asian wide
// and fullwidth characters, most emoji).
func wide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115f || r == 0x2329 || r == 0x232a ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) || (r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe6f) ||
		(r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x1f300 && r <= 0x1f64f) || (r >= 0x1f900 && r <= 0x1f9ff) ||
		(r >= 0x20000 && r <= 0x3fffd))
}
