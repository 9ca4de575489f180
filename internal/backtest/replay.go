package backtest

import (
	"context"
	"fmt"
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
	"github.com/hookdev/hook/internal/state"
)

// Replay costs, traded for exactness where nothing depends on it.
const (
	// expireEvery is how far the replay's clock runs before the in-memory
	// Redis's TTLs are moved on (miniredis sorts every key to do it). TTLs
	// only free memory in hook's scripts: a claim, a marker or a window
	// reads its own time from its value or its scores, and every TTL has a
	// minute of slack over what it bounds. So a key outliving its TTL by
	// expireEvery at most changes no verdict.
	expireEvery = 30 * time.Second
	// populationBatch bounds the room events a replay queues before it
	// writes them to its population: the server writes every 20 ms.
	populationBatch = 4096
	// appRefresh is how stale the apps' present users may be, as on a
	// server (population.DefaultRefreshEvery).
	appRefresh = population.DefaultRefreshEvery
	// fireWindow and fireBatch bound the callbacks whose alerts wait to run
	// together in one fire script (state.FireSequence): each is still
	// decided at its own time and after the ones before it, as on a server;
	// a timer they open fires at most fireWindow after its due time, as a
	// server's, which looks for due timers once a second, may.
	fireWindow = time.Second
	fireBatch  = 256
)

// page is a notification a replay enqueued, and when.
type page struct {
	at time.Time
	n  alert.Notification
}

// replayer runs one ruleset over the callbacks, on its own in-memory Redis
// and its own clock: the engine, the store and its scripts are the
// server's. It touches Redis only where the server would (a callback that
// matches nothing costs nothing), asks for the next timer only after
// something could have changed them, and writes who is in each room only
// for a ruleset with relative thresholds, in batches, before a script
// that reads it.
type replayer struct {
	cat    *catalog.Catalog
	rs     *rules.Ruleset
	mr     *miniredis.Miniredis
	rdb    *redis.Client
	st     *state.Redis
	outbox *outbox.Outbox // where st enqueues: drained after each step
	engine *engine.Engine

	now     time.Time // the replay's clock
	expired time.Time // the clock when TTLs last moved on

	dueKnown bool      // due and hasDue are current
	due      time.Time // the next timer
	hasDue   bool
	touched  bool // the store was called since the last drain

	queued      []state.Prepared // callbacks' alerts waiting for their fire script
	queuedSince time.Time        // when the first of them came

	handled      int // callbacks, for compact
	compactEvery int // compactEvery unless a test says otherwise

	pop        *population.Tracker // nil: the ruleset needs no population
	popQueued  int
	refreshed  time.Time // when AppPresent's cache was last refreshed
	refreshErr error
}

func newReplayer(cat *catalog.Catalog, rs *rules.Ruleset) (*replayer, error) {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return nil, fmt.Errorf("start in-memory redis: %w", err)
	}
	r := &replayer{cat: cat, rs: rs, compactEvery: compactEvery}
	r.use(mr)
	return r, nil
}

// use runs the replay on mr from now on: a client, the store and the
// engine on it, and the population tracker if the ruleset needs one.
func (r *replayer) use(mr *miniredis.Miniredis) {
	r.mr = mr
	r.rdb = redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	r.st = state.New(r.rdb, "hook")
	r.outbox = outbox.New(r.rdb, r.st.Layout(), outbox.Options{Now: r.clock, Words: match.NewCodeWords(r.cat)})
	r.engine = engine.New(r.cat, r.rs, lazyStore{r.st, r}, r.clock, nil)
	if r.rs.Relative() {
		r.pop = population.New(r.rdb, r.st.Layout(), population.Options{Queue: populationBatch + 1, Batch: populationBatch, Now: r.clock})
		r.engine.WithPopulation(lazyPopulation{r}).WithAppPopulation(lazyPopulation{r})
		r.refreshed = time.Time{}
	}
}

func (r *replayer) clock() time.Time { return r.now }

func (r *replayer) close() {
	r.rdb.Close()
	r.mr.Close()
}

// handle runs ev at its time (never before the clock: the clock only goes
// forward), after every timer due by then, and returns what was paged.
func (r *replayer) handle(ctx context.Context, ev callback.Event, at time.Time, out []page) ([]page, error) {
	if r.handled++; r.handled%r.compactEvery == 0 {
		if err := r.compact(ctx); err != nil {
			return out, err
		}
	}
	if len(r.queued) > 0 && at.Sub(r.queuedSince) >= fireWindow {
		if err := r.flushFires(ctx); err != nil {
			return out, err
		}
	}
	out, err := r.advance(ctx, at, out)
	if err != nil {
		return out, err
	}
	if at.After(r.now) {
		r.now = at
	}
	if _, err := r.engine.Handle(ctx, ev); err != nil {
		return out, err
	}
	return r.drain(ctx, out)
}

// advance fires every timer due by t, each at its due time.
func (r *replayer) advance(ctx context.Context, t time.Time, out []page) ([]page, error) {
	for {
		if !r.dueKnown {
			due, ok, err := r.st.NextDue(ctx)
			if err != nil {
				return out, err
			}
			r.due, r.hasDue, r.dueKnown = due, ok, true
		}
		if !r.hasDue || r.due.After(t) {
			return out, nil
		}
		if len(r.queued) > 0 {
			// The alerts waiting may change the timers: run them, look again.
			if err := r.flushFires(ctx); err != nil {
				return out, err
			}
			continue
		}
		if r.due.After(r.now) {
			r.now = r.due
		}
		if _, err := r.engine.Tick(ctx); err != nil {
			return out, err
		}
		r.dueKnown = false
		var err error
		if out, err = r.drain(ctx, out); err != nil {
			return out, err
		}
	}
}

// finish runs what waits and fires the timers due by end.
func (r *replayer) finish(ctx context.Context, end time.Time) ([]page, error) {
	if err := r.flushFires(ctx); err != nil {
		return nil, err
	}
	// What the last alerts paged is taken before the timers: advance takes
	// pages only after a tick, and there may be none.
	out, err := r.drain(ctx, nil)
	if err != nil {
		return out, err
	}
	return r.advance(ctx, end, out)
}

// drain takes what the store enqueued since the last drain, if it was
// called at all: each page at the time it was enqueued.
func (r *replayer) drain(ctx context.Context, out []page) ([]page, error) {
	if !r.touched {
		return out, nil
	}
	r.touched, r.dueKnown = false, false
	ns, err := r.outbox.Drain(ctx)
	if err != nil {
		return out, err
	}
	for _, n := range ns {
		at := n.CreatedAt
		if at.IsZero() {
			at = r.now
		}
		out = append(out, page{at: at, n: n})
	}
	return out, nil
}

// flushFires runs the alerts waiting, in order, in one fire script.
func (r *replayer) flushFires(ctx context.Context) error {
	if len(r.queued) == 0 {
		return nil
	}
	if err := r.beforeScript(ctx, false); err != nil {
		return err
	}
	_, err := r.st.FireSequence(ctx, r.queued)
	clear(r.queued)
	r.queued, r.dueKnown = r.queued[:0], false // they may have opened timers
	return err
}

// beforeScript brings the in-memory Redis up to the clock before a script
// runs: TTLs moved on (every expireEvery), and the room events queued
// written when the script may read them.
func (r *replayer) beforeScript(ctx context.Context, population bool) error {
	r.touched = true
	if d := r.now.Sub(r.expired); d >= expireEvery {
		if !r.expired.IsZero() {
			r.mr.FastForward(d)
		}
		r.expired = r.now
	}
	if population {
		return r.flushPopulation(ctx)
	}
	return nil
}

func (r *replayer) flushPopulation(ctx context.Context) error {
	if r.pop == nil || r.popQueued == 0 {
		return nil
	}
	r.popQueued = 0
	return r.pop.Flush(ctx)
}

// lazyStore is the store, brought up to the clock before each script.
type lazyStore struct {
	*state.Redis
	r *replayer
}

// Fire queues the alerts for the next fire script (flushFires), unless
// one is relative: who is in the room must be written first, as it was
// then, so they run at once, after what waits. The verdicts it returns are
// unknown (""): a replay reads what was paged from the outbox.
func (s lazyStore) Fire(ctx context.Context, now time.Time, alerts []alert.Alert) ([]alert.Verdict, error) {
	r := s.r
	relative := false
	for i := range alerts {
		relative = relative || alerts[i].Share > 0
	}
	if relative {
		if err := r.flushFires(ctx); err != nil {
			return nil, err
		}
		if err := r.beforeScript(ctx, true); err != nil {
			return nil, err
		}
		return s.Redis.Fire(ctx, now, alerts)
	}
	p, err := s.Prepare(now, alerts)
	if err != nil {
		return nil, err
	}
	if len(r.queued) == 0 {
		r.queuedSince = now
	}
	r.queued = append(r.queued, p)
	if len(r.queued) >= fireBatch {
		if err := r.flushFires(ctx); err != nil {
			return nil, err
		}
	}
	return make([]alert.Verdict, len(alerts)), nil
}

func (s lazyStore) Tick(ctx context.Context, now time.Time, limit int) ([]alert.TickOutcome, error) {
	if err := s.r.flushFires(ctx); err != nil {
		return nil, err
	}
	if err := s.r.beforeScript(ctx, true); err != nil {
		return nil, err
	}
	return s.Redis.Tick(ctx, now, limit)
}

func (s lazyStore) TickApps(ctx context.Context, now time.Time, limit int, present func(string) int) ([]alert.TickOutcome, error) {
	if err := s.r.flushFires(ctx); err != nil {
		return nil, err
	}
	if err := s.r.beforeScript(ctx, true); err != nil {
		return nil, err
	}
	return s.Redis.TickApps(ctx, now, limit, present)
}

// lazyPopulation queues room events for the replay's population tracker
// and serves the apps' present users, refreshed as often as a server does.
type lazyPopulation struct{ r *replayer }

func (p lazyPopulation) Observe(ev callback.Event) {
	r := p.r
	r.pop.Observe(ev)
	if r.popQueued++; r.popQueued >= populationBatch {
		_ = r.flushPopulation(context.Background())
	}
}

func (p lazyPopulation) AppPresent(app string) int {
	r := p.r
	if r.refreshed.IsZero() || r.now.Sub(r.refreshed) >= appRefresh {
		ctx := context.Background()
		if err := r.flushPopulation(ctx); err == nil {
			r.refreshErr = r.pop.Refresh(ctx)
		}
		r.refreshed = r.now
	}
	return r.pop.AppPresent(app)
}
