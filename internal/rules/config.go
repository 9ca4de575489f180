package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is the rules file as written by operators. Defaults are applied after
// decoding by compile; validation happens there too, so that every problem is
// reported at once.
type File struct {
	Apps            []App      `yaml:"apps"`
	Receivers       []Receiver `yaml:"receivers"`
	DefaultReceiver string     `yaml:"default_receiver"`
	Defaults        Defaults   `yaml:"defaults"`
	Rules           []Rule     `yaml:"rules"`
	Delivery        Delivery   `yaml:"delivery"` // see delivery.go
	// Inhibit lists alerts that mute others while they fire (inhibit.go).
	Inhibit []InhibitRule `yaml:"inhibit"`
	// Routes pick the receivers of rules that name none (routes.go).
	Routes []Route `yaml:"routes"`
}

// App configures one TRTC application. The callback key is never written in
// the file: it is read from an environment variable or a file.
type App struct {
	SdkAppID    string `yaml:"sdk_app_id"`
	Name        string `yaml:"name"`
	CallbackKey Secret `yaml:"callback_key"`
	// Scene is the app's kind of TRTC scene, SceneLive or SceneCall (see
	// scene.go); empty when the file declares none, read as live.
	Scene string `yaml:"scene"`
}

// Secret names where a secret lives.
type Secret struct {
	Env  string `yaml:"env"`
	File string `yaml:"file"`
}

// Receiver is a named destination for pages.
type Receiver struct {
	Name    string          `yaml:"name"`
	Slack   *SlackReceiver  `yaml:"slack"`
	Console *ConsoleOptions `yaml:"console"`
}

// SlackReceiver posts to one channel, mentioning people by severity.
type SlackReceiver struct {
	Channel string `yaml:"channel"`
	// Mentions maps a severity (critical, warning, info) to mention tokens such
	// as <!here>, <@U123> or <!subteam^S123>.
	Mentions map[string][]string `yaml:"mentions"`
}

// ConsoleOptions configures the console receiver (it has none yet).
type ConsoleOptions struct{}

// Defaults apply to every rule that does not say otherwise.
type Defaults struct {
	Severity string `yaml:"severity"`
	Dedup    Dedup  `yaml:"dedup"`
}

// Rule decides whether an event pages, whom, and with what words.
type Rule struct {
	Name      string                `yaml:"name"`
	Match     map[string]MatchValue `yaml:"match"`
	When      string                `yaml:"when"`
	Severity  string                `yaml:"severity"`
	Receivers []string              `yaml:"receivers"`
	Title     string                `yaml:"title"`
	Text      string                `yaml:"text"`
	Dedup     Dedup                 `yaml:"dedup"`
	Continue  bool                  `yaml:"continue"`
	// Runbook is what on-call should do next (runbook.go); every page of
	// the rule carries it.
	Runbook *Runbook `yaml:"runbook"`

	// Stateful behaviour (threshold.go, pending.go, group.go): all optional.
	Threshold     *Threshold            `yaml:"threshold"`
	For           Duration              `yaml:"for"`
	Clear         map[string]MatchValue `yaml:"clear"`
	GroupBy       []string              `yaml:"group_by"`
	GroupWait     Duration              `yaml:"group_wait"`
	GroupInterval Duration              `yaml:"group_interval"`
}

// Dedup says which events count as the same page, and for how long.
type Dedup struct {
	Key    string   `yaml:"key"`
	Window Duration `yaml:"window"`
}

// Duration is a time.Duration written as "90s", "10m", "1h".
type Duration time.Duration

func (d *Duration) decodeNode(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!bool" {
		return fmt.Errorf("expected a duration like \"10m\", got %s", describeNode(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		hint := `use a unit: "30s", "10m", "1h"`
		if n.Tag == "!!int" {
			hint = fmt.Sprintf(`a bare number has no unit; write "%ss" or "%sm"`, n.Value, n.Value)
		} else if d, ok := spelledDuration(n.Value); ok {
			hint = fmt.Sprintf("write %q", d)
		}
		return fmt.Errorf("bad duration %q (%s)", n.Value, hint)
	}
	if v < 0 {
		return fmt.Errorf("bad duration %q: must not be negative", n.Value)
	}
	*d = Duration(v)
	return nil
}

// spelledDurationRE reads a duration written out in words: "30 seconds",
// "5 min", "2 hours".
var spelledDurationRE = regexp.MustCompile(`^\s*(\d+)\s*([a-zA-Z]+)\s*$`)

// spelledDuration is the Go duration for "30 seconds" ("30s"); ok is false
// when s is not a number and a unit word.
func spelledDuration(s string) (string, bool) {
	m := spelledDurationRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	units := map[string]string{"ms": "ms", "millisecond": "ms", "milliseconds": "ms",
		"sec": "s", "secs": "s", "second": "s", "seconds": "s",
		"min": "m", "mins": "m", "minute": "m", "minutes": "m",
		"hr": "h", "hrs": "h", "hour": "h", "hours": "h"}
	u, ok := units[strings.ToLower(m[2])]
	if !ok {
		return "", false
	}
	return m[1] + u, true
}

// MatchValue is what a match field accepts: a scalar, a list of scalars (any
// of them), {regex: "..."}, or {not: <any of those>}.
type MatchValue struct {
	Values []string // scalars as written
	Regex  string
	Not    *MatchValue

	pos      Pos   // where the value starts
	valuePos []Pos // where each of Values was written
}

// matchOperators are the keys of a match object.
var matchOperators = []string{"not", "regex"}

func (m *MatchValue) decodeNode(n *yaml.Node) error {
	m.pos = posOf(n)
	switch n.Kind {
	case yaml.AliasNode:
		return m.decodeNode(n.Alias)
	case yaml.ScalarNode:
		m.Values, m.valuePos = []string{n.Value}, []Pos{posOf(n)}
		return nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return fmt.Errorf("an empty list matches nothing; remove the field or give values")
		}
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return &posError{posOf(item), fmt.Sprintf("list items of a match must be plain values, got %s", describeNode(item))}
			}
			m.Values = append(m.Values, item.Value)
			m.valuePos = append(m.valuePos, posOf(item))
		}
		return nil
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return fmt.Errorf("a match object takes exactly one of regex or not")
		}
		key, val := n.Content[0], n.Content[1]
		switch key.Value {
		case "regex":
			if val.Kind != yaml.ScalarNode || val.Value == "" {
				return &posError{posOf(val), fmt.Sprintf("regex: expected a non-empty string, got %s", describeNode(val))}
			}
			m.Regex, m.valuePos = val.Value, []Pos{posOf(val)}
			return nil
		case "not":
			m.Not = &MatchValue{}
			return m.Not.decodeNode(val)
		}
		return &posError{posOf(key), fmt.Sprintf("unknown match operator `%s`%s", key.Value, suggestField(key.Value, matchOperators, ""))}
	}
	return fmt.Errorf("a match value must be a value, a list, {regex: ...} or {not: ...}")
}

// parse decodes a rules file strictly: an unknown key is an error, not
// ignored, because a misspelt key silently changes who gets paged. It collects
// every structural problem, and where each value was written, in the returned
// decoder; Compile reports them as file:line:col.
func parse(data []byte) (*File, *decoder) {
	d := newDecoder()
	f := &File{}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		d.errs = append(d.errs, syntaxErrors(data, err)...)
		return f, d
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && (len(root.Content) == 0 || isNull(root.Content[0]))) {
		d.errs = append(d.errs, posError{Pos{1, 1}, "the file is empty: it needs at least receivers and rules"})
		return f, d
	}
	d.decodeDocument(&root, f)
	return f, d
}

// syntaxError turns yaml's "yaml: line 3: ..." into a positioned error. The
// parser reports no column, so the error points at the start of the line.
func syntaxError(err error) posError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return posError{Pos{line, 1}, "syntax error: " + text}
			}
		}
	}
	return posError{Pos{1, 1}, "syntax error: " + msg}
}

// maxSyntaxErrors bounds how many syntax errors one check reports.
const maxSyntaxErrors = 10

// syntaxErrors reports err and, when it is a tab in the indentation, the
// syntax errors after it: the parser stops at the first error, and a tab
// (which an editor shows as spaces) is easily one of several. Each tab is
// reported at its own line and column; its line is then blanked, keeping the
// numbering, and the file parsed again, until it parses, another kind of
// error is found (reported at its real place, see syntaxAt, then no
// further), or maxSyntaxErrors.
func syntaxErrors(data []byte, err error) []posError {
	var errs []posError
	lines := strings.Split(string(data), "\n")
	for err != nil && len(errs) < maxSyntaxErrors {
		pe := syntaxError(err)
		if !strings.Contains(err.Error(), "tab character") {
			return append(errs, syntaxAt(lines, err))
		}
		line, col := tabIndent(lines, pe.Line)
		if line == 0 {
			return append(errs, pe)
		}
		errs = append(errs, posError{Pos{line, col}, "syntax error: a tab in the indentation (YAML indents with spaces only)"})
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

// LoadError lists every problem found in a rules file, one
// "file:line:col: what is wrong" each, in file order.
type LoadError struct {
	Errs []string
	// Quotes holds, for each of Errs, the line of the file it is about and a
	// caret under its column ("" for an error about no line); Annotated
	// prints them.
	Quotes []string
}

func (e *LoadError) Error() string { return strings.Join(e.Errs, "\n") }

func newLoadError(name string, src []byte, errs []posError) *LoadError {
	sortErrors(errs)
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
