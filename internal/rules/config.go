// Package rules is the rules file: its types, defaults, strict decoding
// and every check, each problem reported at its place in the file, and the
// Ruleset it compiles into. Judging events by a ruleset is the engine's.
package rules

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
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
	// Scene is the app's kind of TRTC scene, match.SceneLive or match.SceneCall (see
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

	// stateful behaviour (threshold.go, pending.go, group.go): all optional.
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
type Duration = yamlpos.Duration

// MatchValue is what a match field accepts: a scalar, a list of scalars (any
// of them), {regex: "..."}, or {not: <any of those>}. Package match decodes
// and compiles it.
type MatchValue = match.MatchValue

// parse decodes a rules file strictly: an unknown key is an error, not
// ignored, because a misspelt key silently changes who gets paged. It collects
// every structural problem, and where each value was written, in the returned
// decoder; Compile reports them as file:line:col.
func parse(data []byte) (*File, *yamlpos.Decoder) {
	d := newDecoder()
	f := &File{}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		d.Errs = append(d.Errs, yamlpos.SyntaxErrors(data, err, layout())...)
		return f, d
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && (len(root.Content) == 0 || yamlpos.IsNull(root.Content[0]))) {
		d.Errs = append(d.Errs, yamlpos.Error{Pos: yamlpos.Pos{Line: 1, Col: 1}, Msg: "the file is empty: it needs at least receivers and rules"})
		return f, d
	}
	d.DecodeDocument(&root, f)
	return f, d
}

// ruleIndexRE reads the rule a path is in: "rules[2].dedup.window" -> 2.
var ruleIndexRE = regexp.MustCompile(`^rules\[(\d+)\]`)

// nameRuleErrors starts every decoding error inside a named rule with
// `rule "name": `, as the rest of validation words its messages: an operator
// finds the rule by its name, not by its place in the list.
func nameRuleErrors(d *yamlpos.Decoder, rules []Rule) {
	for i, path := range d.ErrPath {
		m := ruleIndexRE.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		r, err := strconv.Atoi(m[1])
		if err != nil || r >= len(rules) || rules[r].Name == "" || d.FailedUnder(fmt.Sprintf("rules[%d].name", r)) {
			continue
		}
		d.Errs[i].Msg = fmt.Sprintf("rule %q: %s", rules[r].Name, d.Errs[i].Msg)
	}
}

// LoadError lists every problem found in a rules file, one
// "file:line:col: what is wrong" each, in file order (see yamlpos).
type LoadError = yamlpos.LoadError

// newDecoder is a strict decoder that knows the rules file's layout, for
// its hints about keys at the wrong level (layout.go).
func newDecoder() *yamlpos.Decoder {
	d := yamlpos.NewDecoder()
	d.Layout = layout()
	return d
}
