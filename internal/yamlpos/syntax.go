package yamlpos

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// yamlProblem splits yaml.v3's "yaml: line 3: did not find expected key"
// into the line (0 when it names none) and the problem.
func yamlProblem(err error) (line int, problem string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				return n, text
			}
		}
	}
	return 0, msg
}

// parseProblem parses text as YAML and returns its problem, "" if it parses.
func parseProblem(text string) string {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		_, p := yamlProblem(err)
		return p
	}
	return ""
}

// locateSyntax finds where a syntax error really is. yaml.v3 reports the
// line where the enclosing block began (the parser's "context"), not the
// line at fault: an indentation slip on the last rule of a long list is
// reported at the first. The parser reads the file in order and stops at the
// first fault, so the shortest prefix of the file that fails with the same
// problem ends on the line at fault, and the shortest prefix of that line
// that still does ends at the column. Both are found by bisection: a prefix
// shorter than the fault parses (or fails otherwise), a longer one holds it.
// from is the line yaml.v3 reported: the fault is never above the block it
// names (the line above is tried too, as the parser names some blocks one
// line early).
func locateSyntax(lines []string, from int, problem string) (Pos, bool) {
	if problem == "" {
		return Pos{}, false
	}
	lo := max(from-1, 1)
	if lo > len(lines) {
		return Pos{}, false
	}
	fails := func(text string) bool { return parseProblem(text) == problem }
	l := lo + sort.Search(len(lines)-lo+1, func(i int) bool { return fails(strings.Join(lines[:lo+i], "\n")) })
	if l > len(lines) {
		return Pos{}, false
	}
	head := strings.Join(lines[:l-1], "\n")
	if l > 1 {
		head += "\n"
	}
	line := lines[l-1]
	ends := []int{} // where each character of the line ends, indentation skipped
	for i := 0; i < len(line); {
		r, w := utf8.DecodeRuneInString(line[i:]) // (w is 1 for a byte that is not UTF-8)
		if i += w; len(ends) > 0 || (r != ' ' && r != '\t') {
			ends = append(ends, i)
		}
	}
	c := sort.Search(len(ends), func(i int) bool { return fails(head + line[:ends[i]]) })
	if c == len(ends) {
		return Pos{l, firstColumn(line)}, true
	}
	return Pos{l, utf8.RuneCountInString(line[:ends[c]])}, true
}

// byteOffset is where column col (1-based, in characters) starts in line;
// len(line) past its end.
func byteOffset(line string, col int) int {
	for i := range line {
		if col--; col == 0 {
			return i
		}
	}
	return len(line)
}

// firstColumn is the column of a line's first character other than a space
// or tab (1 for a blank line).
func firstColumn(line string) int {
	return utf8.RuneCountInString(line[:len(line)-len(strings.TrimLeft(line, " \t"))]) + 1
}

// indentProblems are what yaml.v3 says about a line indented wrongly.
var indentProblems = map[string]bool{
	"did not find expected key":                              true,
	"did not find expected '-' indicator":                    true,
	"did not find expected <document start>":                 true,
	"mapping values are not allowed in this context":         true,
	"block sequence entries are not allowed in this context": true,
}

// syntaxAt is a syntax error at its real place, in the operator's words where
// yaml.v3's are cryptic (its own follow, for searching).
func syntaxAt(lines []string, err error, layout Layout) Error {
	line, problem := yamlProblem(err)
	p, ok := locateSyntax(lines, line, problem)
	if !ok {
		return Error{Pos{max(line, 1), 1}, "syntax error: " + problem}
	}
	text := lines[p.Line-1]
	at := func(col int) rune { // the character at a column (RuneError past the end)
		r, _ := utf8.DecodeRuneInString(text[byteOffset(text, col):])
		return r
	}
	explain := func(hint string) Error {
		return Error{p, "syntax error: " + hint + " (yaml: " + problem + ")"}
	}
	if indentProblems[problem] {
		if problem != "mapping values are not allowed in this context" {
			p.Col = firstColumn(text)
		}
		if hint := indentHint(lines, p.Line, layout); hint != "" {
			p.Col = firstColumn(text)
			return explain(hint)
		}
	}
	switch {
	case problem == "mapping values are not allowed in this context":
		if yl, ok := readYAMLLine(p.Line, text); ok && yl.key != "" && at(p.Col) == ':' {
			return explain(fmt.Sprintf("the value of `%s` holds \": \", which YAML reads as the start of another key: quote the value", yl.key))
		}
	case problem == "found unexpected end of stream" && (at(p.Col) == '"' || at(p.Col) == '\''):
		return explain(fmt.Sprintf("the %c that starts this value is never closed", at(p.Col)))
	case strings.HasPrefix(problem, "did not find expected ',' or "):
		closer := problem[len(problem)-2]
		opener := map[byte]rune{'}': '{', ']': '['}[closer]
		if i := strings.LastIndexByte(text[:byteOffset(text, p.Col)], byte(opener)); i >= 0 {
			p.Col = utf8.RuneCountInString(text[:i]) + 1
			return explain(fmt.Sprintf("this `%c` is not closed by a `%c`, or its entries lack a `,` between them", opener, closer))
		}
	case problem == "found character that cannot start any token":
		if r := at(p.Col); r == '@' || r == '`' {
			return explain(fmt.Sprintf("a value cannot start with %c: quote it", r))
		}
	}
	return Error{p, "syntax error: " + problem}
}

// yamlLine is one line that holds a key or a list item.
type yamlLine struct {
	num    int    // 1-based
	indent int    // spaces before the key (after "- " for a list item's first key)
	key    string // the key, "" when the line has none
	dash   int    // spaces before "- ", -1 when the line is not a list item
	open   bool   // the line ends in "key:" with nothing after: a block follows
	block  bool   // the line ends in "key: |" or ">": a block of text follows
}

// readYAMLLine reads what indentHint needs from one line; ok is false for
// blank lines and comments.
func readYAMLLine(num int, s string) (yl yamlLine, ok bool) {
	t := strings.TrimLeft(s, " ")
	if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
		return yl, false
	}
	yl = yamlLine{num: num, indent: len(s) - len(t), dash: -1}
	if t == "-" || strings.HasPrefix(t, "- ") {
		yl.dash = yl.indent
		rest := strings.TrimLeft(t[1:], " ")
		yl.indent += len(t) - len(rest)
		t = rest
	}
	if k, v, found := strings.Cut(t, ":"); found && k != "" && !strings.ContainsAny(k, "\"'{[#") {
		yl.key = strings.TrimSpace(k)
		v, _, _ = strings.Cut(v, " #")
		v = strings.TrimSpace(v)
		yl.open = v == ""
		yl.block = v != "" && strings.Trim(v, "|>+-0123456789") == "" && strings.ContainsAny(v[:1], "|>")
	}
	return yl, true
}

// structureLines reads the lines that give a file its structure: keys and
// list items, without comments, blank lines and the text of block scalars
// ("text: |" and the lines under it).
func structureLines(lines []string) map[int]yamlLine {
	out := map[int]yamlLine{}
	keyIndent, textIndent := -1, -1 // of the block of text being read
	for i, s := range lines {
		yl, ok := readYAMLLine(i+1, s)
		if !ok {
			continue
		}
		if keyIndent >= 0 {
			start := len(s) - len(strings.TrimLeft(s, " "))
			if textIndent < 0 && start > keyIndent {
				textIndent = start // the first line of the text sets its indentation
			}
			if textIndent >= 0 && start >= textIndent {
				continue
			}
			keyIndent, textIndent = -1, -1
		}
		out[yl.num] = yl
		if yl.block {
			keyIndent = yl.indent
		}
	}
	return out
}

// level is one indentation level open at a line: a key, or a list item's
// "-". pattern is the place of the mapping its key is in (for a "-", of the
// item's mapping, whose keys are at keys).
type level struct {
	line    int
	indent  int
	key     string // "" for a "-"
	keys    int    // for a "-": the indentation of the item's keys
	pattern string
}

// openLevels lists the levels open above line num, innermost first: the
// line before it, then each line less indented than everything between.
func openLevels(st map[int]yamlLine, num int) []level {
	var out []level
	for i := num - 1; i >= 1; i-- {
		yl, ok := st[i]
		if !ok {
			continue
		}
		inner := 1 << 30
		if len(out) > 0 {
			inner = out[len(out)-1].indent
		}
		if yl.key != "" && yl.indent < inner {
			out = append(out, level{line: yl.num, indent: yl.indent, key: yl.key})
		}
		if yl.dash >= 0 && yl.dash < inner {
			out = append(out, level{line: yl.num, indent: yl.dash, keys: yl.indent})
		}
		if len(out) > 0 && out[len(out)-1].indent == 0 {
			break
		}
	}
	// Patterns, from the top level in.
	pattern := ""
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].key == "" {
			pattern += "[]"
			out[i].pattern = pattern
			continue
		}
		out[i].pattern = pattern
		pattern = Join(pattern, out[i].key)
	}
	return out
}

// indentHint explains an indentation mistake at line num: how far it is
// indented, how far the keys above it are, and, when its key belongs to one
// of their levels, how far it should be. It says nothing ("") when the
// line's indentation is not a problem it can see.
func indentHint(lines []string, num int, layout Layout) string {
	st := structureLines(lines)
	bad, ok := st[num]
	if !ok {
		return ""
	}
	levels := openLevels(st, num)
	if len(levels) == 0 {
		return ""
	}
	what, indent := "this line", bad.indent
	if bad.dash >= 0 {
		what, indent = "this list item", bad.dash
	} else if bad.key != "" {
		what = "`" + bad.key + "`"
	}
	// Where it would go: for a key, the first level out whose mapping takes
	// it; for a list item, the innermost list.
	belongs := ""
	for _, l := range levels {
		switch {
		case bad.dash >= 0 && l.key == "":
			belongs = fmt.Sprintf("; the list's items start %s in, like line %d", spaces(l.indent), l.line)
		case bad.dash >= 0 || bad.key == "":
		case layout != nil && l.key == "" && st[l.line].key != "" && layout.Takes(l.pattern, bad.key):
			belongs = fmt.Sprintf("; as %s it goes %s in, like the keys of the list item on line %d", layout.Label(l.pattern), spaces(l.keys), l.line)
		case layout != nil && l.key != "" && layout.Takes(l.pattern, bad.key):
			belongs = fmt.Sprintf("; as %s it goes %s in, like `%s` on line %d", layout.Label(l.pattern), spaces(l.indent), l.key, l.line)
		}
		if belongs != "" {
			break
		}
	}
	prev := levels[0]
	if prev.key != "" && bad.indent > prev.indent && bad.dash < 0 {
		pl := st[prev.line]
		if pl.open {
			return "" // a block under prev: any deeper indentation is right
		}
		if !pl.block { // (after a block of text, it is too little for the text)
			return fmt.Sprintf("%s is indented more than `%s` on line %d (%d spaces, not %d), so it reads as more of `%s`'s value%s",
				what, prev.key, prev.line, bad.indent, prev.indent, prev.key, belongs)
		}
	}
	for _, l := range levels {
		if l.key == "" && l.indent == indent && bad.dash < 0 {
			keys := ""
			if st[l.line].key != "" {
				keys = fmt.Sprintf(" (its keys are %s in)", spaces(l.keys))
			}
			return fmt.Sprintf("%s is indented %s, like the `-` of the list item on line %d, so it is not in that item%s%s",
				what, spaces(indent), l.line, keys, belongs)
		}
		if l.indent == indent {
			return "" // it lines up with something: the mistake is elsewhere
		}
	}
	if belongs != "" {
		return fmt.Sprintf("%s is indented %s, which lines up with nothing above it%s", what, spaces(indent), belongs)
	}
	var at []string
	for _, l := range levels {
		name := "`" + l.key + "`"
		if l.key == "" {
			name = "the list's `-`"
		}
		at = append(at, fmt.Sprintf("%s at %d, line %d", name, l.indent, l.line))
	}
	return fmt.Sprintf("%s is indented %s, which lines up with nothing above it (%s): indent it like the key it belongs with",
		what, spaces(indent), strings.Join(at, "; "))
}

func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}
