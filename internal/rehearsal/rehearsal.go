// Package rehearsal runs a sequence of callbacks, with their timestamps,
// through the real rules engine and the real Redis scripts, on a clock that
// jumps from event to event and from timer to timer: what would be paged,
// when, without waiting and without sending anything. `hook test --sequence`
// reads the timeline (ReadEvents) and prints it (Print); the scenario tests
// assert on it. `hook test` on single bodies is DryRun: every rule's verdict
// and the page, on no state at all.
package rehearsal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/silence"
	"github.com/hookdev/hook/internal/state"
)

// Clock is a settable clock shared by the routers of a rig.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Rig is an engine on a Redis whose time it controls.
type Rig struct {
	Router *engine.Engine
	Store  *state.Redis
	Outbox *outbox.Outbox // where Store enqueues; Drain empties it
	// Silences are the silences Store checks.
	Silences *silence.Store
	Clock    *Clock
	// KeepOutbox leaves notifications in the outbox for a dispatcher to
	// deliver; Steps then carry no Pages.
	KeepOutbox bool
	// Population is who is in each room, as the room events so far made it
	// (Populate); nil until then.
	Population *population.Sync
	mr         *miniredis.Miniredis // nil on a real Redis: TTLs then run in real time, which only bounds memory
}

// NewRig returns a rig on rdb, in the single-slot layout, starting at start.
// mr, when rdb is a miniredis, has its TTLs fast-forwarded as the clock moves.
func NewRig(rdb redis.UniversalClient, mr *miniredis.Miniredis, cat *catalog.Catalog, rs *rules.Ruleset, start time.Time) *Rig {
	return NewRigOn(state.New(rdb, "hook"), mr, cat, rs, start)
}

// NewRigOn returns a rig on st (any layout) starting at start; mr as for NewRig.
func NewRigOn(st *state.Redis, mr *miniredis.Miniredis, cat *catalog.Catalog, rs *rules.Ruleset, start time.Time) *Rig {
	clock := &Clock{t: start}
	ob := outbox.New(st.Client(), st.Layout(), outbox.Options{Now: clock.Now, Words: match.NewCodeWords(cat)})
	return &Rig{Router: engine.New(cat, rs, st, clock.Now, nil), Store: st, Outbox: ob,
		Silences: silence.New(st.Client(), st.Layout()), Clock: clock, mr: mr}
}

// Populate keeps who is in each room, on rdb (the store's Redis) in the
// store's partitions, as a server does, but exactly: each room event is
// written before the rules see it, and a threshold relative to its app reads
// the app's users now, not a count a moment behind. Thresholds relative to
// a room or an app then judge their share as they would on a server whose
// population caught up.
func (r *Rig) Populate(rdb redis.UniversalClient) *Rig {
	r.Population = &population.Sync{Tracker: population.New(rdb, r.Store.Layout(), population.Options{Now: r.Clock.Now})}
	r.Router.WithPopulation(r.Population).WithAppPopulation(r.Population)
	return r
}

// Step is one moment of a rehearsal: an event handled, or timers fired.
type Step struct {
	At       time.Time
	Event    *callback.Event      // nil for a timer step
	Outcomes []engine.Outcome     // the event's rules and what happened
	Timers   []alert.TickOutcome  // the timers that fired
	Pages    []alert.Notification // notifications enqueued by this step
}

// Advance moves the clock to t, firing every timer due on the way at its due
// time, and returns a step per moment where timers fired.
func (r *Rig) Advance(ctx context.Context, t time.Time) ([]Step, error) {
	var steps []Step
	for {
		due, ok, err := r.Store.NextDue(ctx)
		if err != nil {
			return steps, err
		}
		if !ok || due.After(t) {
			break
		}
		r.moveTo(later(due, r.Clock.Now()))
		outs, err := r.Router.Tick(ctx)
		if err != nil {
			return steps, err
		}
		pages, err := r.Drain(ctx)
		if err != nil {
			return steps, err
		}
		if len(outs) > 0 || len(pages) > 0 {
			steps = append(steps, Step{At: r.Clock.Now(), Timers: outs, Pages: pages})
		}
	}
	r.moveTo(later(t, r.Clock.Now()))
	return steps, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (r *Rig) moveTo(t time.Time) {
	if d := t.Sub(r.Clock.Now()); d > 0 && r.mr != nil {
		r.mr.FastForward(d)
	}
	r.Clock.set(t)
}

// Handle routes ev at the clock's current time.
func (r *Rig) Handle(ctx context.Context, ev callback.Event) (Step, error) {
	res, err := r.Router.Handle(ctx, ev)
	if err != nil {
		return Step{}, err
	}
	pages, err := r.Drain(ctx)
	if err != nil {
		return Step{}, err
	}
	return Step{At: r.Clock.Now(), Event: &ev, Outcomes: res.Outcomes, Pages: pages}, nil
}

// Drain takes every notification out of the outbox, oldest first (a
// rehearsal has no dispatcher); with KeepOutbox it takes none.
func (r *Rig) Drain(ctx context.Context) ([]alert.Notification, error) {
	if r.KeepOutbox {
		return nil, nil
	}
	return r.Outbox.Drain(ctx)
}

// Settle is how long after the last event Run keeps firing timers, so that
// pending alerts and group flushes the events started show up.
const Settle = time.Hour

// Run rehearses events on an in-memory Redis: sorted by EventMs (as TRTC's
// out-of-order deliveries should be read), each handled at its own time,
// with every timer fired at its due time in between and for settle after the
// last event. The rooms' population is kept exactly (Populate).
func Run(ctx context.Context, cat *catalog.Catalog, rs *rules.Ruleset, events []callback.Event, settle time.Duration) ([]Step, error) {
	if len(events) == 0 {
		return nil, errors.New("rehearse: no events")
	}
	mr, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("start in-memory redis: %w", err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	events = slices.Clone(events)
	slices.SortStableFunc(events, func(a, b callback.Event) int { return cmp.Compare(a.EventMs, b.EventMs) })
	rig := NewRig(rdb, mr, cat, rs, time.UnixMilli(events[0].EventMs)).Populate(rdb)
	var steps []Step
	for _, ev := range events {
		more, err := rig.Advance(ctx, time.UnixMilli(ev.EventMs))
		steps = append(steps, more...)
		if err != nil {
			return steps, err
		}
		st, err := rig.Handle(ctx, ev)
		if err != nil {
			return steps, err
		}
		steps = append(steps, st)
	}
	more, err := rig.Advance(ctx, rig.Clock.Now().Add(settle))
	return append(steps, more...), err
}
