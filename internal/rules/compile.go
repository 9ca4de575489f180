package rules

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/notify"
)

// Defaults used when the rules file says nothing.
const (
	DefaultSeverity    = notify.SeverityWarning
	DefaultDedupWindow = 10 * time.Minute
	DefaultDedupKey    = `{{.App}}/{{.Room}}/{{.User}}/{{.Event.Value}}` // always scoped by rule name
	// MinDedupWindow keeps TRTC's own redeliveries (retried for up to a minute)
	// from paging twice, whatever the rule says.
	MinDedupWindow = time.Minute
)

// Ruleset is a compiled, validated rules file. It is immutable: a reload builds
// a new one and swaps it in whole.
type Ruleset struct {
	rules     []*compiledRule
	receivers map[string]Receiver
	keys      map[string][]byte // SdkAppId -> callback key
	allApps   []byte            // TRTC_CALLBACK_KEY: the key for apps without their own
	source    string
	defaults  defaultTemplates
	// stateful parts (inhibit.go, pending.go)
	inhibits     []*inhibitRule
	pendingRules []*compiledRule
}

// AllAppsKeyEnv names the environment variable holding the callback key for
// every app that has no key of its own in the rules file.
const AllAppsKeyEnv = "TRTC_CALLBACK_KEY"

// Key returns the callback key for an app: its own, else the key for every app.
func (rs *Ruleset) Key(sdkAppID string) ([]byte, bool) {
	if k, ok := rs.keys[sdkAppID]; ok {
		return k, true
	}
	if rs.allApps != nil {
		return rs.allApps, true
	}
	return nil, false
}

// HasKeys reports whether any callback key is configured at all.
func (rs *Ruleset) HasKeys() bool { return len(rs.keys) > 0 || rs.allApps != nil }

type compiledRule struct {
	name      string
	matchers  []*matcher
	when      *vm.Program
	severity  notify.Severity
	receivers []string
	title     *template.Template
	text      *template.Template
	dedupKey  *template.Template
	window    time.Duration
	cont      bool
	state     stateful           // threshold, for/clear, group_by (stateful.go)
	aggText   *template.Template // text of pages standing for many events
}

// Source names the file the ruleset was loaded from.
func (rs *Ruleset) Source() string { return rs.source }

// Len is the number of rules.
func (rs *Ruleset) Len() int { return len(rs.rules) }

// Load reads, decodes and compiles a rules file.
func Load(path string, cat *catalog.Catalog, getenv func(string) string) (*Ruleset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	return Compile(path, data, cat, getenv)
}

// Compile decodes and compiles rules from data; name is used in error messages.
// Every problem is reported, not just the first.
func Compile(name string, data []byte, cat *catalog.Catalog, getenv func(string) string) (*Ruleset, error) {
	f, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	c := compiler{name: name, cat: cat, getenv: getenv}
	rs := c.compile(f)
	if len(c.errs) > 0 {
		return nil, &LoadError{Errs: c.errs}
	}
	rs.source = name
	if k := getenv(AllAppsKeyEnv); k != "" {
		rs.allApps = []byte(k)
	}
	return rs, nil
}

type compiler struct {
	name   string
	cat    *catalog.Catalog
	getenv func(string) string
	errs   []string
}

func (c *compiler) errorf(line int, format string, args ...any) {
	loc := c.name
	if line > 0 {
		loc = fmt.Sprintf("%s:%d", c.name, line)
	}
	c.errs = append(c.errs, loc+": "+fmt.Sprintf(format, args...))
}

func (c *compiler) compile(f *File) *Ruleset {
	rs := &Ruleset{receivers: map[string]Receiver{}, keys: map[string][]byte{}, defaults: parseDefaults()}
	c.apps(f.Apps, rs)
	c.receivers(f, rs)
	severity := notify.Severity(f.Defaults.Severity)
	if severity == "" {
		severity = DefaultSeverity
	}
	names := map[string]bool{}
	for i := range f.Rules {
		r := &f.Rules[i]
		if r.Name == "" {
			c.errorf(r.line, "rules[%d]: every rule needs a name", i)
		} else if names[r.Name] {
			c.errorf(r.line, "rule %q: name used twice; names identify rules in pages and dedup keys", r.Name)
		}
		names[r.Name] = true
		if cr := c.rule(r, f, severity, rs); cr != nil {
			rs.rules = append(rs.rules, cr)
			c.compileStateful(r, cr, rs)
		}
	}
	c.inhibits(f, rs)
	return rs
}

func (c *compiler) apps(apps []App, rs *Ruleset) {
	for i, a := range apps {
		if a.SdkAppID == "" {
			c.errorf(0, "apps[%d]: sdk_app_id is required", i)
			continue
		}
		key, err := c.secret(a.CallbackKey)
		if err != nil {
			c.errorf(0, "apps[%d] (%s): callback_key: %v", i, a.SdkAppID, err)
			continue
		}
		rs.keys[a.SdkAppID] = []byte(key)
	}
}

// secret reads a secret from the environment or a file. The value itself never
// appears in an error.
func (c *compiler) secret(s Secret) (string, error) {
	switch {
	case s.Env != "" && s.File != "":
		return "", fmt.Errorf("give env or file, not both")
	case s.Env != "":
		v := c.getenv(s.Env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("read key file: %w", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("key file %s is empty", s.File)
		}
		return v, nil
	}
	return "", fmt.Errorf("needs env: VAR or file: PATH (keys are never written in the rules file)")
}

func (c *compiler) receivers(f *File, rs *Ruleset) {
	for i, r := range f.Receivers {
		switch {
		case r.Name == "":
			c.errorf(0, "receivers[%d]: every receiver needs a name", i)
			continue
		case rs.receivers[r.Name].Name != "":
			c.errorf(0, "receiver %q defined twice", r.Name)
		case (r.Slack == nil) == (r.Console == nil):
			c.errorf(0, "receiver %q: give exactly one of slack or console", r.Name)
		case r.Slack != nil && r.Slack.Channel == "":
			c.errorf(0, "receiver %q: slack.channel is required", r.Name)
		}
		if r.Slack != nil {
			for sev := range r.Slack.Mentions {
				if !validSeverity(notify.Severity(sev)) {
					c.errorf(0, "receiver %q: mentions for unknown severity %q (critical, warning, info)", r.Name, sev)
				}
			}
		}
		rs.receivers[r.Name] = r
	}
	if f.DefaultReceiver != "" {
		if _, ok := rs.receivers[f.DefaultReceiver]; !ok {
			c.errorf(0, "default_receiver %q is not defined%s", f.DefaultReceiver, suggest(f.DefaultReceiver, receiverNames(rs)))
		}
	}
}

func receiverNames(rs *Ruleset) []string {
	names := make([]string, 0, len(rs.receivers))
	for n := range rs.receivers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func validSeverity(s notify.Severity) bool {
	return s == notify.SeverityCritical || s == notify.SeverityWarning || s == notify.SeverityInfo
}

func (c *compiler) rule(r *Rule, f *File, severity notify.Severity, rs *Ruleset) *compiledRule {
	cr := &compiledRule{name: r.Name, severity: notify.Severity(r.Severity), cont: r.Continue}
	where := fmt.Sprintf("rule %q", r.Name)
	if cr.severity == "" {
		cr.severity = severity
	} else if !validSeverity(cr.severity) {
		c.errorf(r.line, "%s: unknown severity %q (critical, warning, info)", where, r.Severity)
	}
	keys := make([]string, 0, len(r.Match))
	for k := range r.Match {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic error order and evaluation
	for _, k := range keys {
		m, errs := compileMatcher(c.cat, k, r.Match[k])
		for _, e := range errs {
			c.errorf(r.Match[k].line, "%s: %s", where, e)
		}
		if m != nil {
			cr.matchers = append(cr.matchers, m)
		}
	}
	if r.When != "" {
		prog, err := expr.Compile(r.When, expr.Env(Facts{}), expr.AsBool())
		if err != nil {
			c.errorf(r.line, "%s: when: %v", where, err)
		}
		cr.when = prog
	}
	cr.receivers = r.Receivers
	if len(cr.receivers) == 0 && f.DefaultReceiver != "" {
		cr.receivers = []string{f.DefaultReceiver}
	}
	if len(cr.receivers) == 0 {
		c.errorf(r.line, "%s: no receivers and no default_receiver", where)
	}
	for _, name := range cr.receivers {
		if _, ok := rs.receivers[name]; !ok {
			c.errorf(r.line, "%s: unknown receiver %q%s", where, name, suggest(name, receiverNames(rs)))
		}
	}
	cr.title = c.template(r.line, where+": title", pick(r.Title, defaultTitle))
	cr.text = c.template(r.line, where+": text", pick(r.Text, defaultText))
	cr.dedupKey = c.template(r.line, where+": dedup.key", pick(r.Dedup.Key, f.Defaults.Dedup.Key, DefaultDedupKey))
	cr.window = time.Duration(r.Dedup.Window)
	if cr.window == 0 {
		cr.window = time.Duration(f.Defaults.Dedup.Window)
	}
	if cr.window == 0 {
		cr.window = DefaultDedupWindow
	}
	if cr.window < MinDedupWindow {
		c.errorf(r.line, "%s: dedup.window %s is shorter than %s, so TRTC's redeliveries would page again", where, cr.window, MinDedupWindow)
	}
	return cr
}

func pick(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// template parses src and executes it once against an empty event, so that a
// misspelt field ({{.Usr}}) is a load error rather than a failure at 3 a.m.
func (c *compiler) template(line int, where, src string) *template.Template {
	t, err := template.New(where).Funcs(templateFuncs).Parse(src)
	if err == nil {
		err = t.Execute(io.Discard, TemplateData{Facts: Facts{Payload: map[string]any{}}})
	}
	if err != nil {
		c.errorf(line, "%s: %v", where, err)
		return nil
	}
	return t
}
