package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
	// Inhibit lists alerts that mute others while they fire (inhibit.go).
	Inhibit []InhibitRule `yaml:"inhibit"`
}

// App configures one TRTC application. The callback key is never written in
// the file: it is read from an environment variable or a file.
type App struct {
	SdkAppID    string `yaml:"sdk_app_id"`
	Name        string `yaml:"name"`
	CallbackKey Secret `yaml:"callback_key"`
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

	// Stateful behaviour (threshold.go, pending.go, group.go): all optional.
	Threshold     *Threshold            `yaml:"threshold"`
	For           Duration              `yaml:"for"`
	Clear         map[string]MatchValue `yaml:"clear"`
	GroupBy       []string              `yaml:"group_by"`
	GroupWait     Duration              `yaml:"group_wait"`
	GroupInterval Duration              `yaml:"group_interval"`

	line int // where the rule starts, for error messages
}

// Dedup says which events count as the same page, and for how long.
type Dedup struct {
	Key    string   `yaml:"key"`
	Window Duration `yaml:"window"`
}

// Duration is a time.Duration written as "90s", "10m", "1h".
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: duration must be a string like \"10m\"", n.Line)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q (use e.g. \"30s\", \"10m\", \"1h\")", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MatchValue is what a match field accepts: a scalar, a list of scalars (any
// of them), {regex: "..."}, or {not: <any of those>}.
type MatchValue struct {
	Values []string // scalars as written
	Regex  string
	Not    *MatchValue
	line   int
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (m *MatchValue) UnmarshalYAML(n *yaml.Node) error {
	m.line = n.Line
	switch n.Kind {
	case yaml.ScalarNode:
		m.Values = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: list items of a match must be plain values", item.Line)
			}
			m.Values = append(m.Values, item.Value)
		}
		return nil
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return fmt.Errorf("line %d: a match object takes exactly one of regex or not", n.Line)
		}
		key, val := n.Content[0], n.Content[1]
		switch key.Value {
		case "regex":
			if val.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: regex must be a string", val.Line)
			}
			m.Regex = val.Value
			return nil
		case "not":
			m.Not = &MatchValue{}
			return m.Not.UnmarshalYAML(val)
		default:
			return fmt.Errorf("line %d: unknown match operator %q (use regex or not)", key.Line, key.Value)
		}
	}
	return fmt.Errorf("line %d: match value must be a value, a list, {regex: ...} or {not: ...}", n.Line)
}

// UnmarshalYAML records where each rule starts, for error messages.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	r.line = n.Line
	return nil
}

// Parse decodes a rules file strictly: an unknown key is an error, not ignored,
// because a misspelt key silently changes who gets paged.
func Parse(name string, data []byte) (*File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &LoadError{Errs: []string{fmt.Sprintf("%s: the file is empty", name)}}
		}
		return nil, &LoadError{Errs: yamlErrors(name, err)}
	}
	return &f, nil
}

// LoadError lists every problem found in a rules file, one "file:line: what" each.
type LoadError struct {
	Errs []string
}

func (e *LoadError) Error() string { return strings.Join(e.Errs, "\n") }

// yamlErrors turns the yaml package's "yaml: line 3: ..." messages into file:line form.
func yamlErrors(name string, err error) []string {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if num, msg, ok := strings.Cut(rest, ": "); ok {
				out = append(out, fmt.Sprintf("%s:%s: %s", name, num, msg))
				continue
			}
		}
		out = append(out, fmt.Sprintf("%s: %s", name, m))
	}
	return out
}
