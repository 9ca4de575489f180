package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/engine"
)

// tickEvery is how often runTimers looks for due timers: the lateness of a
// pending page or a group flush is at most this.
const tickEvery = time.Second

// runTimers fires due timers every tickEvery until ctx ends. Timers live in
// Redis, so those due while no replica ran fire at the first tick after a
// restart, and any number of replicas may tick: each timer fires once. Each
// tick waits at most timeout for Redis: a hung Redis delays timers, it does
// not pile up ticks.
func runTimers(ctx context.Context, eng *engine.Engine, every, timeout time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		tickCtx, cancel := context.WithTimeout(ctx, timeout)
		outs, err := eng.Tick(tickCtx)
		cancel()
		if err != nil && ctx.Err() == nil {
			log.Warn("due timers: will retry at the next tick", "err", err)
		}
		for _, o := range outs {
			if o.Verdict != alert.VerdictIdle {
				log.Info("timer", "rule", o.Rule, "timer", o.Timer, "verdict", o.Verdict)
			}
		}
	}
}
