// Package rules decides which callbacks page whom. A rules file is compiled
// once into a Ruleset; evaluating an event against it touches no I/O. Only an
// event that matches a rule reaches the Store, in one round trip that claims
// the dedup key and enqueues the pages together.
package rules

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/notify"
)

// Firing is one rule's verdict on one event, for the store to act on in the
// same round trip as every other firing of the event. For a plain rule (Op
// OpPage) it is the pages to enqueue if its dedup key is not already claimed;
// the other ops add state (threshold.go, pending.go, group.go).
type Firing struct {
	Rule     string
	DedupKey string
	Window   time.Duration
	Pages    [][]byte // encoded notify.Page, one per receiver

	Op      Op
	EventMs int64 // when the event happened: orders late and duplicated events
	// Labels are what silences match (alertLabels).
	Labels map[string]string
	// Member names who the alert is about (a user), listed on grouped and
	// threshold pages under MemberLabel ("Users").
	Member, MemberLabel string
	// StateKey identifies the threshold window (OpThreshold) or the pending
	// alert (OpPending, OpClear) within the rule.
	StateKey string
	Count    int           // OpThreshold: events needed
	Within   time.Duration // OpThreshold: the sliding window
	For      time.Duration // OpPending: how long to wait for the clearing event
	Text     string        // OpClear: the resolved page's text
	Group    *GroupRef     // nil: page at once
	// InhibitSources are markers this alert sets while it fires; InhibitTargets
	// are markers that, when set, mute it.
	InhibitSources []InhibitMark
	InhibitTargets []string
}

// Store keeps alert state and the outbox. Fire acts on every firing of one
// callback atomically and in one round trip, and says what it did with each.
// Tick fires the timers (pending alerts, group flushes) due at now, at most
// limit of them, each exactly once across replicas.
type Store interface {
	Fire(ctx context.Context, now time.Time, fs []Firing) ([]Verdict, error)
	Tick(ctx context.Context, now time.Time, limit int) ([]TickOutcome, error)
}

// Router evaluates callbacks against the current ruleset. Reload swaps the
// ruleset atomically: an event is evaluated against exactly one version.
type Router struct {
	cat     *catalog.Catalog
	store   Store
	now     func() time.Time
	metrics *Metrics
	current atomic.Pointer[Ruleset]
}

// Option configures a Router.
type Option func(*Router)

// WithMetrics counts the router's verdicts in m.
func WithMetrics(m *Metrics) Option { return func(r *Router) { r.metrics = m } }

// NewRouter returns a router serving rs.
func NewRouter(cat *catalog.Catalog, rs *Ruleset, store Store, now func() time.Time, opts ...Option) *Router {
	r := &Router{cat: cat, store: store, now: now}
	for _, o := range opts {
		o(r)
	}
	r.current.Store(rs)
	return r
}

// Swap replaces the ruleset; events already being evaluated finish on the old one.
func (r *Router) Swap(rs *Ruleset) { r.current.Store(rs) }

// Key implements verify.Keys with the keys of the ruleset now serving, so a
// reload that adds an app takes effect for its very next callback.
func (r *Router) Key(sdkAppID string) ([]byte, bool) { return r.current.Load().Key(sdkAppID) }

// Ruleset returns the ruleset now serving.
func (r *Router) Ruleset() *Ruleset { return r.current.Load() }

// Outcome is what happened to one rule's firing.
type Outcome struct {
	Rule    string
	Fired   bool // a page was enqueued or the alert joined a group
	Verdict Verdict
	Pages   int
	DedupID string
	// Clear is set when the event did not match the rule but cleared (or
	// resolved) one of its pending alerts.
	Clear bool
}

// Result is what Handle did with one callback.
type Result struct {
	Facts    Facts
	Outcomes []Outcome // empty when no rule matched
}

// Handle evaluates ev and, if rules match or it clears a pending alert, acts
// through the store in one round trip. A callback that matches nothing and
// clears nothing returns without touching the store.
func (r *Router) Handle(ctx context.Context, ev callback.Event) (Result, error) {
	rs := r.current.Load()
	e := NewFacts(r.cat, ev)
	res := Result{Facts: e}
	matched := rs.Evaluate(&e)
	clears := rs.clearing(&e)
	if len(matched) == 0 && len(clears) == 0 {
		return res, nil
	}
	now := r.now()
	firings := make([]Firing, 0, len(matched)+len(clears))
	// Clears go first: an event that both recovers one alert and opens another
	// must not see its own alert cleared.
	for _, cr := range clears {
		firings = append(firings, rs.clearFiring(cr, e))
	}
	for _, cr := range matched {
		f, err := rs.firing(cr, &e, now)
		if err != nil {
			return res, err
		}
		firings = append(firings, f)
	}
	verdicts, err := r.store.Fire(ctx, now, firings)
	if err != nil {
		return res, fmt.Errorf("fire %d rule(s): %w", len(firings), err)
	}
	for i, f := range firings {
		v := verdicts[i]
		r.metrics.observe(v)
		res.Outcomes = append(res.Outcomes, Outcome{Rule: f.Rule, Verdict: v, Fired: v == VerdictPaged || v == VerdictGrouped,
			Pages: len(f.Pages), DedupID: f.DedupKey, Clear: f.Op == OpClear})
	}
	return res, nil
}

// Evaluate returns the rules e matches, in file order: the first match, and
// every further one while matched rules say continue.
func (rs *Ruleset) Evaluate(e *Facts) []*compiledRule {
	var matched []*compiledRule
	for _, cr := range rs.rules {
		if !cr.matches(e) {
			continue
		}
		matched = append(matched, cr)
		if !cr.cont {
			break
		}
	}
	return matched
}

func (cr *compiledRule) matches(e *Facts) bool {
	v, _, _ := cr.check(e)
	return v == verdictMatched
}

// verdict is how one rule judged one event.
type verdict uint8

const (
	verdictMatched    verdict = iota
	verdictNoMatch            // a matcher failed
	verdictWhenFalse          // every matcher passed; `when:` said false
	verdictWhenFailed         // `when:` failed at run time
)

// check is the one place a rule is tested against an event; Evaluate and
// Explain both use it. It returns the matcher that failed, or the error of a
// `when:` expression that could not run.
func (cr *compiledRule) check(e *Facts) (verdict, *matcher, error) {
	for _, m := range cr.matchers {
		if !m.match(e) {
			return verdictNoMatch, m, nil
		}
	}
	if cr.when == nil {
		return verdictMatched, nil, nil
	}
	out, err := expr.Run(cr.when, *e)
	if err != nil {
		// A runtime error (e.g. a missing payload key) means "does not match":
		// one odd callback must not stop the rules after it.
		return verdictWhenFailed, nil, err
	}
	if ok, _ := out.(bool); !ok {
		return verdictWhenFalse, nil, nil
	}
	return verdictMatched, nil, nil
}

// firing renders cr's pages for e. A template that fails on this event (say,
// indexing a payload key it lacks) falls back to the default wording: the page
// still goes out, because losing it would be worse than plainer words.
func (rs *Ruleset) firing(cr *compiledRule, e *Facts, now time.Time) (Firing, error) {
	data := TemplateData{Facts: *e, Rule: cr.name, Severity: cr.severity, Count: 1}
	if cr.state.threshold != nil {
		data.Count = cr.state.threshold.count
	}
	key := renderOr(cr.dedupKey, rs.defaults.dedupKey, data)
	title := renderOr(cr.title, rs.defaults.title, data)
	text := renderOr(cr.text, rs.defaults.text, data)
	fields := pageFields(*e)
	if cr.state.aggregated() {
		// The page stands for many events: the store lists who, so the first
		// event's user and time would mislead.
		text = renderOr(cr.aggText, rs.defaults.text, data)
		fields = slices.DeleteFunc(fields, func(f notify.Field) bool { return f.Name == "User" || f.Name == "When" })
	}
	f := Firing{Rule: cr.name, DedupKey: cr.name + ":" + key, Window: cr.window, Op: OpPage, EventMs: eventMs(e)}
	rs.statefulFiring(cr, e, &f, data)
	id := rand.Text()
	for _, name := range cr.receivers {
		p := notify.Page{
			ID:        id + "-" + name,
			Kind:      notify.KindFiring,
			Rule:      cr.name,
			Severity:  cr.severity,
			Title:     title,
			Text:      text,
			Fields:    fields,
			Codes:     e.Codes(),
			Incident:  e.App + "/" + e.Room,
			Count:     1,
			DedupKey:  f.DedupKey,
			EventTime: e.Time,
			CreatedAt: now.UTC(),
			Receiver:  rs.receiver(name, cr.severity),
		}
		b, err := p.Marshal()
		if err != nil {
			return Firing{}, err
		}
		f.Pages = append(f.Pages, b)
	}
	return f, nil
}

// receiver resolves a receiver name into what the page carries to notify.
func (rs *Ruleset) receiver(name string, sev notify.Severity) notify.Receiver {
	r := rs.receivers[name]
	if r.Slack != nil {
		return notify.Receiver{Name: name, Kind: notify.ReceiverSlack, Channel: r.Slack.Channel, Mentions: r.Slack.Mentions[string(sev)]}
	}
	return notify.Receiver{Name: name, Kind: notify.ReceiverConsole}
}
