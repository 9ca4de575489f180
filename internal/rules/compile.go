package rules

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/yamlpos"
)

// Defaults used when the rules file says nothing.
const (
	DefaultSeverity    = alert.SeverityWarning
	DefaultDedupWindow = 10 * time.Minute
	DefaultDedupKey    = `{{.App}}/{{.RoomKey}}/{{.User}}/{{.Event.Value}}` // always scoped by rule name
	// MinDedupWindow keeps TRTC's own redeliveries (retried for up to a minute)
	// from paging twice, whatever the rule says.
	MinDedupWindow = time.Minute
)

// Ruleset is a compiled, validated rules file. It is immutable: a reload builds
// a new one and swaps it in whole.
type Ruleset struct {
	rules     []*CompiledRule
	receivers map[string]Receiver
	keys      map[string][]byte // SdkAppId -> callback key
	keyless   []string          // apps listed without a callback_key: they take allApps
	scenes    map[string]string // SdkAppId -> scene, for apps that declare one
	warnings  []string          // see Warnings
	allApps   []byte            // TRTC_CALLBACK_KEY: the key for apps without their own
	source    string
	defaults  defaultTemplates
	delivery  DeliverySettings
	// stateful parts (inhibit.go, pending.go)
	inhibits     []*InhibitSpec
	pendingRules []*CompiledRule
	rearmRules   []*CompiledRule // thresholds with rearm (threshold.go)
	// payload: some rule or template reads the callback's Payload, so it
	// is decoded for every callback (see Facts).
	payload bool
	// routes pick the receivers of rules without their own (routes.go).
	routes          []*CompiledRoute
	defaultReceiver string
}

// AllAppsKeyEnv names the environment variable holding the callback key for
// every app that has no key of its own in the rules file.
const AllAppsKeyEnv = "TRTC_CALLBACK_KEY"

// Key returns the callback key for an app: its own, else the key for every
// app (an app listed without a callback_key takes it too).
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

// CompiledRule is a rule validated and resolved for evaluation (package
// engine): read only once its ruleset is built.
type CompiledRule struct {
	Name     string
	Matchers []*match.Matcher
	When     *vm.Program // nil: no `when:`
	WhenSrc  string
	Severity alert.Severity
	// Receivers are the names the rule gives, else default_receiver.
	Receivers []string
	// Targets are receivers resolved for the rule's severity, built once
	// when the ruleset is: every alert of the rule shares them (read only).
	Targets  []alert.Receiver
	Title    *match.KeyTemplate
	Text     *match.KeyTemplate
	DedupKey *match.KeyTemplate
	Window   time.Duration
	Continue bool
	State    Stateful // threshold, for/clear, group_by (stateful.go)
	// Runbook is shared, read only, by every notification of the rule.
	Runbook *alert.Runbook
	// Routed: the rule names no receivers, so its pages take the first of
	// Routes that matches them, else go to Receivers (default_receiver).
	Routed bool
	Routes []RouteChoice
}

// Source names the file the ruleset was loaded from.
func (rs *Ruleset) Source() string { return rs.source }

// Len is the number of rules.
func (rs *Ruleset) Len() int { return len(rs.rules) }

// Receivers is the number of receivers defined.
func (rs *Ruleset) Receivers() int { return len(rs.receivers) }

// Apps is the number of apps the file lists, with a callback key of their
// own or not.
func (rs *Ruleset) Apps() int { return len(rs.keys) + len(rs.keyless) }

// KeylessApps lists the apps the file lists without a callback_key, in file
// order: they are signed with the key for every app (TRTC_CALLBACK_KEY, or
// the development key `hook serve` invents when no key is set at all).
func (rs *Ruleset) KeylessApps() []string { return rs.keyless }

// Load reads, decodes and compiles a rules file.
func Load(path string, cat *catalog.Catalog, getenv func(string) string) (*Ruleset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	return Compile(path, data, cat, getenv)
}

// Compile decodes and compiles rules from data; name is used in error messages.
// Every problem is reported, not just the first, as a *LoadError whose lines
// read "name:line:col: what is wrong", in file order.
func Compile(name string, data []byte, cat *catalog.Catalog, getenv func(string) string) (*Ruleset, error) {
	f, d := parse(data)
	nameRuleErrors(d, f.Rules)
	c := compiler{cat: cat, getenv: getenv, d: d, src: data}
	var rs *Ruleset
	if len(d.At) > 0 { // the document was decoded, at least in part
		rs = c.compile(f)
	}
	if errs := append(d.Errs, c.errs...); len(errs) > 0 {
		return nil, yamlpos.NewLoadError(name, data, errs)
	}
	rs.source = name
	yamlpos.SortErrors(c.warns)
	for _, w := range c.warns {
		rs.warnings = append(rs.warnings, fmt.Sprintf("%s:%d:%d: warning: %s", name, w.Line, w.Col, w.Msg))
	}
	if k := getenv(AllAppsKeyEnv); k != "" {
		rs.allApps = []byte(k)
	}
	return rs, nil
}

// compiler validates a decoded file and builds its Ruleset. Errors name the
// path of what is wrong ("rules[2].dedup.window"); the decoder knows where
// each path was written, or where its nearest ancestor was for a missing one.
type compiler struct {
	cat    *catalog.Catalog
	getenv func(string) string
	d      *yamlpos.Decoder
	src    []byte
	errs   []yamlpos.Error
	warns  []yamlpos.Error // see Ruleset.Warnings
	// payload is set when an expression or template may read Payload.
	payload bool
}

func (c *compiler) errorf(path string, format string, args ...any) {
	if !c.d.FailedUnder(path) {
		c.errorAt(c.d.Pos(path), format, args...)
	}
}

// errorKey reports at the key of path rather than its value.
func (c *compiler) errorKey(path string, format string, args ...any) {
	if !c.d.FailedUnder(path) {
		c.errorAt(c.d.KeyPos(path), format, args...)
	}
}

func (c *compiler) errorAt(p yamlpos.Pos, format string, args ...any) {
	c.errs = append(c.errs, yamlpos.Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) compile(f *File) *Ruleset {
	rs := &Ruleset{receivers: map[string]Receiver{}, keys: map[string][]byte{}, scenes: map[string]string{}, defaults: parseDefaults()}
	c.apps(f.Apps, rs)
	c.receivers(f, rs)
	c.delivery(f.Delivery, rs)
	severity := alert.Severity(f.Defaults.Severity)
	if severity == "" {
		severity = DefaultSeverity
	} else if !severity.Valid() {
		c.errorf("defaults.severity", "unknown severity %q%s", severity, SeverityHint(string(severity)))
	}
	defaultKey := rs.defaults.dedupKey
	if f.Defaults.Dedup.Key != "" {
		defaultKey = match.NewKeyTemplate(c.template("defaults.dedup.key", "defaults", "dedup.key", f.Defaults.Dedup.Key))
	}
	defaultWindow := time.Duration(f.Defaults.Dedup.Window)
	if defaultWindow != 0 && defaultWindow < MinDedupWindow {
		c.errorf("defaults.dedup.window", "defaults: %s", shortWindow(defaultWindow))
	}
	if defaultWindow == 0 {
		defaultWindow = DefaultDedupWindow
	}
	if len(f.Rules) == 0 {
		c.errorf("rules", "no rules: nothing would ever page (add at least one under rules:)")
	}
	names := map[string]string{}
	for i := range f.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		r := &f.Rules[i]
		if r.Name == "" {
			c.errorf(path, "rules[%d]: every rule needs a name", i)
		} else if first, dup := names[r.Name]; dup {
			p := c.d.Pos(first + ".name")
			c.errorf(path+".name", "rule %q: name already used at line %d; names identify rules in pages and dedup keys", r.Name, p.Line)
		} else {
			names[r.Name] = path
		}
		if cr := c.rule(path, r, f, severity, defaultKey, defaultWindow, rs); cr != nil {
			rs.rules = append(rs.rules, cr)
			c.compileStateful(path, r, cr, rs)
		}
	}
	c.inhibits(f, rs)
	c.routes(f, rs)
	c.linkRoutes(f, rs)
	rs.payload = c.payload
	rs.defaultReceiver = f.DefaultReceiver
	for _, cr := range rs.rules {
		cr.Targets = rs.targets(cr.Receivers, cr.Severity)
		for i := range cr.Routes {
			cr.Routes[i].Targets = rs.targets(cr.Routes[i].Route.Receivers, cr.Severity)
		}
	}
	return rs
}

// matchers compiles a match (or clear) map at path, in key order so that
// evaluation and error order are deterministic.
func (c *compiler) matchers(path, where string, ms map[string]MatchValue) []*match.Matcher {
	var out []*match.Matcher
	for _, k := range sortedKeys(ms) {
		mpath := path + "." + k
		if c.d.FailedUnder(mpath) {
			continue
		}
		if hint := misplaced(k, path); hint != "" && !slices.Contains(match.MatchKeys(), k) {
			c.errorAt(c.d.KeyPos(mpath), "%s: %s", where, hint)
			continue
		}
		m, errs := match.Compile(c.cat, k, ms[k])
		for _, e := range errs {
			p := e.Pos
			if p == (yamlpos.Pos{}) {
				p = c.d.KeyPos(mpath)
			}
			c.errorAt(p, "%s: %s", where, e.Msg)
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

func (c *compiler) apps(apps []App, rs *Ruleset) {
	for i, a := range apps {
		path := fmt.Sprintf("apps[%d]", i)
		if a.SdkAppID == "" {
			c.errorf(path, "apps[%d]: sdk_app_id is required", i)
			continue
		}
		if !canonicalApp(a.SdkAppID) {
			// TRTC sends ids in decimal without a sign or leading zeros, and
			// hook refuses any other spelling: this app could never match.
			c.errorf(path+".sdk_app_id", "apps[%d]: sdk_app_id %q must be a decimal number like 1400000001 (no sign, spaces or leading zeros)", i, a.SdkAppID)
		}
		if _, dup := rs.keys[a.SdkAppID]; dup || slices.Contains(rs.keyless, a.SdkAppID) {
			c.errorf(path+".sdk_app_id", "app %s is listed twice", a.SdkAppID)
			continue
		}
		_, written := c.d.At[path+".scene"]
		switch {
		case c.d.FailedUnder(path + ".scene"): // reported by the decoder
		case a.Scene == "" && !written:
			c.warns = append(c.warns, yamlpos.Error{Pos: c.d.Pos(path), Msg: sceneWarning(a.SdkAppID)})
		case match.ValidScene(a.Scene):
			rs.scenes[a.SdkAppID] = a.Scene
		default:
			c.errorf(path+".scene", "app %s: scene %q is neither live nor call%s", a.SdkAppID, a.Scene, match.SceneHint(a.Scene))
		}
		if _, written := c.d.At[path+".callback_key"]; !written {
			// No key of its own: the key for every app signs it, so a file
			// can declare scenes without a key per app.
			rs.keyless = append(rs.keyless, a.SdkAppID)
			continue
		}
		key, err := c.secret(a.CallbackKey)
		if err != nil {
			c.errorf(path+".callback_key", "app %s: callback_key: %v", a.SdkAppID, err)
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
	return "", fmt.Errorf("needs {env: VAR} or {file: PATH} (keys are never written in the rules file; without callback_key the app takes %s)", AllAppsKeyEnv)
}

// mentionRE accepts the Slack tokens that actually notify people.
var mentionRE = regexp.MustCompile(`^<(!here|!channel|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+(\|[^<>]*)?)>$`)

func (c *compiler) receivers(f *File, rs *Ruleset) {
	for i, r := range f.Receivers {
		path := fmt.Sprintf("receivers[%d]", i)
		switch {
		case r.Name == "":
			c.errorf(path, "receivers[%d]: every receiver needs a name", i)
			continue
		case rs.receivers[r.Name].Name != "":
			c.errorf(path+".name", "receiver %q defined twice", r.Name)
		case (r.Slack == nil) == (r.Console == nil):
			c.errorf(path, "receiver %q: give exactly one of slack or console", r.Name)
		case r.Slack != nil && r.Slack.Channel == "":
			c.errorf(path+".slack", "receiver %q: slack.channel is required", r.Name)
		}
		if r.Slack != nil {
			for _, sev := range sortedKeys(r.Slack.Mentions) {
				mpath := path + ".slack.mentions." + sev
				if !alert.Severity(sev).Valid() {
					c.errorKey(mpath, "receiver %q: mentions for unknown severity %q%s", r.Name, sev, SeverityHint(sev))
				}
				for j, m := range r.Slack.Mentions[sev] {
					if !mentionRE.MatchString(m) {
						c.errorf(fmt.Sprintf("%s[%d]", mpath, j), "receiver %q: %q is not a Slack mention token%s", r.Name, m, mentionHint(m))
					}
				}
			}
		}
		rs.receivers[r.Name] = r
	}
	if f.DefaultReceiver != "" {
		if names, ok := c.receiverNames(rs); ok && !slices.Contains(names, f.DefaultReceiver) {
			c.errorf("default_receiver", "default_receiver %q is not defined%s", f.DefaultReceiver, alert.Suggest(f.DefaultReceiver, names))
		}
	}
}

// receiverNames are the names a reference to a receiver (default_receiver,
// a rule's receivers, delivery.fallback_receiver) is checked against; ok is
// false when they are not known, as receivers: could not be read, and the
// references are left unchecked rather than called undefined. When the key
// itself was misspelt ("recievers:"), the names written under it count: the
// misspelling is reported once, and a reference is undefined only if it is
// wrong either way.
func (c *compiler) receiverNames(rs *Ruleset) (names []string, ok bool) {
	d := c.d
	if d.Failed["receivers"] {
		n := d.Misspelt["receivers"]
		if n == nil {
			return nil, false
		}
		var written []Receiver
		d = newDecoder()
		d.Decode(n, reflect.ValueOf(&written).Elem(), "receivers")
		rs = &Ruleset{receivers: map[string]Receiver{}}
		for _, r := range written {
			rs.receivers[r.Name] = r
		}
		delete(rs.receivers, "")
		if d.Failed["receivers"] {
			return nil, false
		}
	}
	for p := range d.Failed {
		if receiverItemRE.MatchString(p) {
			return nil, false // a receiver whose name could not be read
		}
	}
	return sortedKeys(rs.receivers), true
}

// receiverItemRE matches a receiver, or its name, that failed to decode.
var receiverItemRE = regexp.MustCompile(`^receivers\[\d+\](\.name)?$`)

func mentionHint(m string) string {
	switch strings.TrimPrefix(m, "@") {
	case "here", "channel", "everyone":
		return fmt.Sprintf(" (write <!%s>)", strings.TrimPrefix(m, "@"))
	}
	return " (use <!here>, <!channel>, <@U123ABC> for a person or <!subteam^S123ABC> for a user group)"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SeverityHint says what an unknown severity s should have been.
func SeverityHint(s string) string {
	var severities []string
	for _, sev := range alert.Severities() {
		severities = append(severities, string(sev))
	}
	if c := alert.Closest(s, severities); c != "" {
		return fmt.Sprintf(", did you mean %q?", c)
	}
	return " (critical, warning or info)"
}

func shortWindow(d time.Duration) string {
	return fmt.Sprintf("dedup.window %s is shorter than %s, so TRTC's redeliveries would page again", words.Span(d), words.Span(MinDedupWindow))
}

func (c *compiler) rule(path string, r *Rule, f *File, severity alert.Severity, defaultKey *match.KeyTemplate, defaultWindow time.Duration, rs *Ruleset) *CompiledRule {
	cr := &CompiledRule{Name: r.Name, Severity: alert.Severity(r.Severity), Continue: r.Continue, Runbook: r.Runbook.notification()}
	where := fmt.Sprintf("rule %q", r.Name)
	if r.Name == "" {
		where = path
	}
	if cr.Severity == "" {
		cr.Severity = severity
	} else if !cr.Severity.Valid() {
		c.errorf(path+".severity", "%s: unknown severity %q%s", where, r.Severity, SeverityHint(r.Severity))
	}
	cr.Matchers = c.matchers(path+".match", where, r.Match)
	if r.When != "" {
		cr.When, cr.WhenSrc = c.when(path+".when", where, r.When), r.When
	}
	cr.Receivers, cr.Routed = r.Receivers, len(r.Receivers) == 0
	if len(cr.Receivers) == 0 && f.DefaultReceiver != "" {
		cr.Receivers = []string{f.DefaultReceiver}
	}
	// With routes, linkRoutes says whether every page has somewhere to go.
	if len(cr.Receivers) == 0 && len(f.Routes) == 0 && !c.d.FailedUnder("routes") && !c.d.FailedUnder("default_receiver") && !c.d.FailedUnder(path+".receivers") {
		c.errorf(path, "%s: no receivers and no default_receiver", where)
	}
	if names, ok := c.receiverNames(rs); ok {
		for i, name := range r.Receivers {
			if !slices.Contains(names, name) {
				c.errorf(fmt.Sprintf("%s.receivers[%d]", path, i), "%s: unknown receiver %q%s", where, name, alert.Suggest(name, names))
			}
		}
	}
	// A rule without templates leaves the words to notify, which renders
	// them from the notification's facts.
	if r.Title != "" {
		cr.Title = match.NewKeyTemplate(c.template(path+".title", where, "title", r.Title))
	}
	if r.Text != "" {
		cr.Text = match.NewKeyTemplate(c.template(path+".text", where, "text", r.Text))
	}
	cr.DedupKey = defaultKey
	if r.Dedup.Key != "" {
		cr.DedupKey = match.NewKeyTemplate(c.template(path+".dedup.key", where, "dedup.key", r.Dedup.Key))
	}
	cr.Window = time.Duration(r.Dedup.Window)
	if cr.Window != 0 && cr.Window < MinDedupWindow {
		c.errorf(path+".dedup.window", "%s: %s", where, shortWindow(cr.Window))
	}
	if cr.Window == 0 {
		cr.Window = defaultWindow
	}
	if r.Name == "" {
		return nil
	}
	return cr
}

// RuleNames lists the rules in file order.
func (rs *Ruleset) RuleNames() []string {
	names := make([]string, len(rs.rules))
	for i, cr := range rs.rules {
		names[i] = cr.Name
	}
	return names
}

// canonicalApp reports whether id is written as TRTC writes SdkAppIds: a
// positive decimal number with no sign, spaces or leading zeros.
func canonicalApp(id string) bool {
	if id == "" || len(id) > 19 || id[0] == '0' {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ReceiverNames lists the receivers, sorted.
func (rs *Ruleset) ReceiverNames() []string { return sortedKeys(rs.receivers) }

// targets resolves receiver names for a severity, as notifications carry
// them.
func (rs *Ruleset) targets(names []string, sev alert.Severity) []alert.Receiver {
	out := make([]alert.Receiver, 0, len(names))
	for _, name := range names {
		out = append(out, rs.receiver(name, sev))
	}
	return out
}

// defaultTemplates are the built-in keys, parsed once per ruleset.
type defaultTemplates struct {
	dedupKey *match.KeyTemplate
}

func parseDefaults() defaultTemplates {
	return defaultTemplates{
		dedupKey: match.NewKeyTemplate(template.Must(template.New("default dedup key").Funcs(match.TemplateFuncs()).Parse(DefaultDedupKey))),
	}
}

// receiver resolves a receiver name into what a notification carries to notify.
func (rs *Ruleset) receiver(name string, sev alert.Severity) alert.Receiver {
	r := rs.receivers[name]
	if r.Slack != nil {
		return alert.Receiver{Name: name, Kind: alert.ReceiverSlack, Channel: r.Slack.Channel, Mentions: r.Slack.Mentions[string(sev)]}
	}
	return alert.Receiver{Name: name, Kind: alert.ReceiverConsole}
}
