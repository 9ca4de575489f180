package rules

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// TickOutcome is what the store did with one due timer.
type TickOutcome struct {
	Rule    string
	Timer   string // "pending" (a for: alert) or "group" (a group flush)
	Verdict Verdict
}

// TickBatch bounds the timers one Tick fires in one round trip.
const TickBatch = 100

// Tick fires every timer due now (pending alerts whose `for` passed, groups
// whose wait or interval passed), in batches. Any number of replicas may tick
// concurrently: the store claims each timer for exactly one of them.
func (r *Router) Tick(ctx context.Context) ([]TickOutcome, error) {
	var all []TickOutcome
	for {
		outs, err := r.store.Tick(ctx, r.now(), TickBatch)
		if err != nil {
			return all, fmt.Errorf("fire due timers: %w", err)
		}
		for _, o := range outs {
			r.metrics.observe(o.Verdict)
		}
		all = append(all, outs...)
		if len(outs) < TickBatch {
			return all, nil
		}
	}
}

// DefaultTickEvery is how often RunTimers looks for due timers: the lateness
// of a pending page or a group flush is at most this.
const DefaultTickEvery = time.Second

// RunTimers ticks every `every` until ctx ends. Timers live in Redis, so
// those due while no replica ran fire at the first tick after a restart.
func (r *Router) RunTimers(ctx context.Context, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = DefaultTickEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		outs, err := r.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("due timers: will retry at the next tick", "err", err)
		}
		for _, o := range outs {
			if o.Verdict != VerdictIdle {
				log.Info("timer", "rule", o.Rule, "timer", o.Timer, "verdict", o.Verdict)
			}
		}
	}
}
