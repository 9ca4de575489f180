// Package engine runs the alerting core: it evaluates each callback against
// the rules now serving and hands the resulting alerts to the store in one
// atomic round trip, and it fires due timers. A callback that matches no rule
// returns without touching the store.
package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// Store keeps alert state and enqueues into the outbox (state.Redis implements it). Fire
// acts on every alert of one callback atomically and in one round trip, and
// says what it did with each. Tick fires the timers (pending alerts, group
// flushes) due at now, at most limit of them, each exactly once across
// replicas.
type Store interface {
	Fire(ctx context.Context, now time.Time, alerts []alert.Alert) ([]alert.Verdict, error)
	Tick(ctx context.Context, now time.Time, limit int) ([]alert.TickOutcome, error)
}

// RoomLog remembers rooms' creation and dismissal for call-quality
// enrichment (rooms.Store implements it), by room key: a string room and the
// numeric room of the same digits are two rooms. Set only when enrichment is
// on: it is the one write a routine callback (101, 102) then costs.
type RoomLog interface {
	RecordRoom(ctx context.Context, app, roomKey, what string, at time.Time) error
}

// AppPopulation says how many users of an app are present in any of its
// rooms (cached, a moment behind; 0 when unknown). A threshold relative to
// its app's users needs it; the population package provides it.
type AppPopulation interface {
	AppPresent(app string) int
}

// AppTicker is a Store whose due timers may need each app's present users
// now: a threshold relative to its app's users judges its share when its
// wait for recovery ends. state.Redis implements it; the engine ticks a
// Store that does not with Tick.
type AppTicker interface {
	TickApps(ctx context.Context, now time.Time, limit int, present func(app string) int) ([]alert.TickOutcome, error)
}

// Population learns who is in each room from the room events (101 to 104
// of group 1): population.Tracker implements it. Observe must not wait: it
// runs on every such callback, before the rules, and a routine callback
// costs no Redis round trip of its own.
type Population interface {
	Observe(ev callback.Event)
}

// Room lifecycle events and what RoomLog records for them.
var roomEvents = map[int]string{101: "created", 102: "dismissed"}

// Engine evaluates callbacks against the current ruleset. Swap replaces the
// ruleset atomically: an event is evaluated against exactly one version.
type Engine struct {
	cat     *catalog.Catalog
	store   Store
	now     func() time.Time
	metrics *Metrics
	rooms   RoomLog
	apps    AppPopulation // nil: apps' populations unknown (0)
	pop     Population
	commit  time.Duration
	current atomic.Pointer[rules.Ruleset]
	// facts are reused between callbacks: a callback's facts (over a
	// kilobyte) never outlive Handle, whose alerts copy what they keep.
	facts sync.Pool
}

// DefaultCommitTimeout bounds the store's work for one callback unless
// WithCommitTimeout says otherwise.
const DefaultCommitTimeout = 2 * time.Second

// WithCommitTimeout bounds the store's work for one callback: past it Handle
// fails (the handler answers 503, well inside the 5 s TRTC waits, so TRTC
// retries rather than giving up on an answer that never came). The deadline
// is set only when the store is called: a callback that matches nothing
// costs no timer.
func (e *Engine) WithCommitTimeout(d time.Duration) *Engine {
	if d > 0 {
		e.commit = d
	}
	return e
}

// WithRoomLog records room creations and dismissals in rooms, best effort:
// enrichment falls back to TRTC's DescribeRoomInfo when one is missing.
// rooms must not wait on Redis (rooms.Writer queues): a 101 or 102 is a
// routine callback.
func (e *Engine) WithRoomLog(rooms RoomLog) *Engine {
	e.rooms = rooms
	return e
}

// WithAppPopulation gives thresholds relative to their app's users (share
// with of: app) the apps' present users: they go to the store with each
// such alert, and to its timers when they fire. Without it an app's
// population is unknown (0), and such a threshold needs its count alone.
func (e *Engine) WithAppPopulation(apps AppPopulation) *Engine {
	e.apps = apps
	return e
}

// WithPopulation hands every room event (group 1, 101 to 104) to pop,
// before the rules see it. pop only queues it (it writes within tens of
// milliseconds, in batches): the callback's answer never waits for Redis.
func (e *Engine) WithPopulation(pop Population) *Engine {
	e.pop = pop
	return e
}

// New returns an engine serving rs. metrics may be nil (nothing counted).
func New(cat *catalog.Catalog, rs *rules.Ruleset, store Store, now func() time.Time, metrics *Metrics) *Engine {
	e := &Engine{cat: cat, store: store, now: now, metrics: metrics, commit: DefaultCommitTimeout}
	e.facts.New = func() any { return new(match.Facts) }
	e.current.Store(rs)
	return e
}

// Swap replaces the ruleset; events already being evaluated finish on the old one.
func (e *Engine) Swap(rs *rules.Ruleset) { e.current.Store(rs) }

// Key implements verify.Keys with the keys of the ruleset now serving, so a
// reload that adds an app takes effect for its very next callback.
func (e *Engine) Key(sdkAppID string) ([]byte, bool) { return e.current.Load().Key(sdkAppID) }

// Ruleset returns the ruleset now serving.
func (e *Engine) Ruleset() *rules.Ruleset { return e.current.Load() }

// Outcome is what happened to one rule's alert.
type Outcome struct {
	Rule    string
	Fired   bool // enqueued, or joined a group that will page
	Verdict alert.Verdict
	Pages   int // notifications it would enqueue: one per receiver
	// Clear is set when the event did not match the rule but cleared (or
	// resolved) one of its pending alerts, took a member off its threshold,
	// or rearmed it.
	Clear bool
	// Opened is set when the event opened a pending alert (for: and clear:)
	// of the rule: it pages at PagesAt unless ClearedBy (the rule's clear,
	// in words) comes for Key first.
	Opened    bool
	PagesAt   time.Time
	ClearedBy string
	Key       string
}

// Result is what Handle did with one callback.
type Result struct {
	Outcomes []Outcome // empty when no rule matched
}

// Handle evaluates ev and, if rules match or it clears a pending alert, acts
// through the store in one round trip.
func (e *Engine) Handle(ctx context.Context, ev callback.Event) (Result, error) {
	if e.pop != nil && ev.Group == 1 && ev.Type >= 101 && ev.Type <= 104 {
		e.pop.Observe(ev)
	}
	if what, ok := roomEvents[ev.Type]; ok && e.rooms != nil && ev.Group == 1 {
		rctx, cancel := context.WithTimeout(ctx, e.commit)
		_ = e.rooms.RecordRoom(rctx, ev.AppID, ev.RoomKey(), what, ev.EventTime()) // best effort, see WithRoomLog
		cancel()
	}
	rs := e.current.Load()
	facts := e.facts.Get().(*match.Facts)
	defer func() {
		*facts = match.Facts{} // nothing of this callback kept alive
		e.facts.Put(facts)
	}()
	rs.Facts(facts, e.cat, ev)
	var res Result
	now := e.now()
	alerts := Alerts(rs, facts, now)
	if len(alerts) == 0 {
		return res, nil
	}
	if e.apps != nil {
		for i := range alerts {
			if a := &alerts[i]; a.Share > 0 && a.Of == alert.OfApp {
				a.Present = e.apps.AppPresent(a.Notification.Event.App)
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, e.commit)
	defer cancel()
	verdicts, err := e.store.Fire(ctx, now, alerts)
	if err != nil {
		return res, fmt.Errorf("fire %d alert(s): %w", len(alerts), err)
	}
	res.Outcomes = make([]Outcome, len(alerts))
	for i, a := range alerts {
		v := verdicts[i]
		e.metrics.observe(v)
		res.Outcomes[i] = Outcome{Rule: a.Rule, Verdict: v, Fired: v.Fired(),
			Pages: len(a.Receivers), Clear: a.Op == alert.OpClear || a.Op == alert.OpRecover || a.Op == alert.OpRearm}
		if a.Op == alert.OpPending && v == alert.VerdictPending {
			// The store's timer: the event's time plus for, or now if that passed.
			o := &res.Outcomes[i]
			o.Opened, o.ClearedBy, o.Key = true, a.ClearedBy, a.StateKey
			if o.PagesAt = time.UnixMilli(a.EventMs).Add(a.For); o.PagesAt.Before(now) {
				o.PagesAt = now
			}
		}
	}
	return res, nil
}

// TickBatch bounds the timers one store Tick fires in one round trip.
const TickBatch = 100

// Tick fires every timer due now (pending alerts whose `for` passed, groups
// whose wait or interval passed), in batches. Any number of replicas may tick
// concurrently: the store claims each timer for exactly one of them.
func (e *Engine) Tick(ctx context.Context) ([]alert.TickOutcome, error) {
	var all []alert.TickOutcome
	tick := e.store.Tick
	if t, ok := e.store.(AppTicker); ok && e.apps != nil {
		tick = func(ctx context.Context, now time.Time, limit int) ([]alert.TickOutcome, error) {
			return t.TickApps(ctx, now, limit, e.apps.AppPresent)
		}
	}
	for {
		outs, err := tick(ctx, e.now(), TickBatch)
		if err != nil {
			return all, fmt.Errorf("fire due timers: %w", err)
		}
		for _, o := range outs {
			e.metrics.observe(o.Verdict)
		}
		all = append(all, outs...)
		if len(outs) < TickBatch {
			return all, nil
		}
	}
}
