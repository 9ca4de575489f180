package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/yamlpos"
)

// wellFormed is a rules file every line of which is indented the usual way,
// for TestSyntaxErrorAtTheLineAtFault to break one line at a time.
const wellFormed = `receivers:
  - name: oncall
    slack:
      channel: "#oncall"
      mentions:
        critical: ["<!here>"]
default_receiver: oncall
defaults:
  severity: warning
  dedup:
    window: 10m
rules:
  - name: room-outage
    match:
      event: room.exit
      reason: [timeout, force_closed]
    threshold:
      count: 5
      within: 60s
      per: "{{.App}}/{{.RoomKey}}"
    for: 20s
    clear:
      event: room.enter
    severity: critical
    title: "Users dropping out of room {{.Room}}"
    continue: true
  - name: recording-start-failed
    match:
      event: recording.start
      status: failed
    severity: critical
    dedup:
      key: "{{.App}}/{{.Task}}"
  - name: ingest-failed
    match:
      event: ingest.start
      status: failed
    threshold:
      count: 3
      within: 10m
      per: "{{.App}}/{{.RoomKey}}/{{.Task}}"
    severity: critical
`

// TestSyntaxErrorAtTheLineAtFault: a key indented one space less than the
// key before it (which lines up with nothing), or one more (which reads as
// more of that key's value), is reported at its own line and first column,
// wherever it is in the file; yaml.v3 alone names the start of the block
// around it, up to the top of rules:.
func TestSyntaxErrorAtTheLineAtFault(t *testing.T) {
	lines := strings.Split(wellFormed, "\n")
	tried := 0
	for i := 1; i < len(lines); i++ {
		cur, ok1 := keyLine(lines[i])
		prev, ok2 := keyLine(lines[i-1])
		// Only a key whose line before is a sibling with a value of its own.
		if !ok1 || !ok2 || cur.indent != prev.indent || prev.open {
			continue
		}
		for _, shift := range []int{-1, +1} {
			if cur.indent+shift < 0 {
				continue
			}
			broken := append([]string(nil), lines...)
			broken[i] = strings.Repeat(" ", cur.indent+shift) + strings.TrimLeft(lines[i], " ")
			data := []byte(strings.Join(broken, "\n"))
			_, d := parse(data)
			if len(d.Errs) != 1 {
				t.Errorf("line %d shifted %+d: %d errors %v, want 1", i+1, shift, len(d.Errs), d.Errs)
				continue
			}
			want := yamlpos.Pos{Line: i + 1, Col: cur.indent + shift + 1}
			if got := d.Errs[0]; got.Pos != want || !strings.Contains(got.Msg, "`"+cur.key+"` is indented") {
				t.Errorf("line %d shifted %+d: %v, want at %v about `%s`", i+1, shift, got, want, cur.key)
			}
			tried++
		}
	}
	if tried < 20 {
		t.Errorf("only %d cases tried", tried)
	}
}

// yamlKeyLine is a "key: value" line of wellFormed: not a list item.
type yamlKeyLine struct {
	indent int
	key    string
	open   bool // the value is a block on the lines below
}

// keyLine reads a "key: value" line; ok is false for any other.
func keyLine(s string) (l yamlKeyLine, ok bool) {
	text := strings.TrimLeft(s, " ")
	key, value, found := strings.Cut(text, ":")
	if !found || key == "" || strings.HasPrefix(text, "-") || strings.HasPrefix(text, "#") {
		return l, false
	}
	return yamlKeyLine{indent: len(s) - len(text), key: key, open: strings.TrimSpace(value) == ""}, true
}

// TestAnnotated: hook check quotes each error's line under it, with a caret
// under the column; the first line stays file:line:col: message.
func TestAnnotated(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bad", "indent_near_end.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile("rules.yaml", data, catalogtest.New(t), envMap(nil))
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Compile = %v", err)
	}
	want := "rules.yaml:50:4: syntax error: `per` is indented 3 spaces, which lines up with nothing above it; as a threshold field it goes 6 spaces in, like `within` on line 49 (yaml: did not find expected '-' indicator)\n" +
		`  50 |    per: "{{.App}}/{{.RoomKey}}/{{.Task}}"` + "\n" +
		"     |    ^"
	if got := le.Annotated(); got != want {
		t.Errorf("Annotated:\n%s\nwant:\n%s", got, want)
	}
	if le.Error() != le.Errs[0] {
		t.Errorf("Error() = %q, want the plain line", le.Error())
	}

	// Semantic errors are quoted too, each under its own line.
	_, err = Compile("r.yaml", []byte("receivers: [{name: oncall, console: {}}]\ndefault_receiver: oncal\nrules:\n  - name: a\n    severity: critcal\n"), catalogtest.New(t), envMap(nil))
	if !errors.As(err, &le) {
		t.Fatalf("Compile = %v", err)
	}
	want = `r.yaml:2:19: default_receiver "oncal" is not defined, did you mean "oncall"?` + "\n" +
		"  2 | default_receiver: oncal\n" +
		"    |                   ^\n" +
		`r.yaml:5:15: rule "a": unknown severity "critcal", did you mean "critical"?` + "\n" +
		"  5 |     severity: critcal\n" +
		"    |               ^"
	if got := le.Annotated(); got != want {
		t.Errorf("Annotated:\n%s\nwant:\n%s", got, want)
	}
}

// TestSyntaxLocated: yaml.v3's line for each problem, and where hook
// reports it.
func TestSyntaxLocated(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"a: 1\nb: \"abc\nc: 2\n", `2:4: syntax error: the " that starts this value is never closed (yaml: found unexpected end of stream)`},
		{"a: [1, 2\nb: 2\n", "1:4: syntax error: this `[` is not closed by a `]`, or its entries lack a `,` between them (yaml: did not find expected ',' or ']')"},
		{"a: @x\n", "1:4: syntax error: a value cannot start with @: quote it (yaml: found character that cannot start any token)"},
		{"a: &x 1\nb: *y\n", "2:5: syntax error: unknown anchor 'y' referenced"},
		{"rules:\n  - name: a\n - name: b\n", "3:2: syntax error: this list item is indented 1 space, which lines up with nothing above it; the list's items start 2 spaces in, like line 2 (yaml: did not find expected key)"},
		{"a:\n  - 1\n  b: 2\n", "3:3: syntax error: `b` is indented 2 spaces, like the `-` of the list item on line 2, so it is not in that item (yaml: did not find expected '-' indicator)"},
		// The text of a block scalar is not read as keys.
		{"rules:\n  - name: a\n    text: |\n      Room: {{.Room}}\n        User: {{.User}}\n     severity: critical\n",
			"6:6: syntax error: `severity` is indented 5 spaces, which lines up with nothing above it; as a rule field it goes 4 spaces in, like `text` on line 3 (yaml: did not find expected key)"},
	}
	for _, tt := range tests {
		_, d := parse([]byte(tt.src))
		if len(d.Errs) != 1 || d.Errs[0].Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.src, d.Errs, tt.want)
		}
	}
}

// FuzzParse: whatever the file, parsing reports errors (each at a line of
// the file, with a quote) rather than panicking.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(wellFormed))
	f.Add([]byte("rules:\r\n  - name: a\r\n   match: x\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, d := parse(data)
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range d.Errs {
			if e.Line < 0 || e.Line > lines || e.Col < 0 {
				t.Errorf("%v is outside the file (%d lines)", e, lines)
			}
		}
		le := yamlpos.NewLoadError("f.yaml", data, d.Errs)
		_ = le.Annotated()
	})
}
