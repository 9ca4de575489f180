package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// DefaultBackoffMax caps the wait between two attempts at a failing
// receiver: after a Slack outage, each channel is probed again within this
// and, once a page gets through, drains at its rate limit.
const DefaultBackoffMax = 20 * time.Second

// storeRetryMax caps the wait between two attempts at Redis (a claim or an
// ack that failed), so delivery resumes within seconds of Redis answering.
const storeRetryMax = 5 * time.Second

// holding is one page held in memory. cancel ends its context when a
// keep-alive finds that another consumer now holds it (or that it is gone),
// which wakes its lane from any wait and drops it unsent.
type holding struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// hold records id as held; false if it already is.
func (d *Dispatcher) hold(runCtx context.Context, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.held[id]; dup {
		return false
	}
	ctx, cancel := context.WithCancel(runCtx)
	d.held[id] = &holding{ctx: ctx, cancel: cancel}
	return true
}

// heldContext is the context of held page id: runCtx, ended early if the
// page is lost to another consumer.
func (d *Dispatcher) heldContext(runCtx context.Context, id string) context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	if h, ok := d.held[id]; ok {
		return h.ctx
	}
	return runCtx
}

// claim reports whether this consumer still holds page id, and refreshes it:
// the page's idle time restarts, so no other replica reclaims it during the
// send that follows (SendTimeout is well under ReclaimIdle). A page another
// replica took over, or that is gone, is dropped unsent. While Redis cannot
// say, the page is held back: sending a page that may be another replica's
// is how duplicates happen. false also when ctx ends.
func (d *Dispatcher) claim(ctx context.Context, id string, log *slog.Logger) bool {
	for attempt := 1; ctx.Err() == nil; attempt++ {
		storeCtx, cancel := context.WithTimeout(ctx, d.cfg.StoreTimeout)
		lost, err := d.outbox.Touch(storeCtx, d.cfg.Consumer, id)
		cancel()
		switch {
		case err == nil && len(lost) == 0:
			return true
		case err == nil:
			log.Info("page now held by another replica (or already handled); dropped here")
			return false
		case ctx.Err() != nil:
			return false
		}
		wait := backoff(d.cfg.BackoffMin, min(d.cfg.BackoffMax, storeRetryMax), attempt)
		log.Warn("cannot confirm the page is still ours (Redis unavailable); holding it", "attempt", attempt, "wait", wait, "err", err)
		if !d.cfg.Sleep(ctx, wait) {
			return false
		}
	}
	return false
}

// settle records a delivered page, retrying while Redis fails: until it is
// recorded, another replica could take the page over and send it again.
// runCtx, not the page's context: even a page lost meanwhile is settled,
// which stops the replica that took it over from sending it (its claim
// fails). With next (a follow-up) it schedules it too: the outbox's
// AckDefer does both in one step, so the follow-up exists exactly when the
// page is acknowledged.
func (d *Dispatcher) settle(runCtx context.Context, id string, next *alert.Notification, log *slog.Logger) {
	dd, deferring := d.outbox.(Deferrer)
	for attempt := 1; ; attempt++ {
		storeCtx, cancel := context.WithTimeout(context.WithoutCancel(runCtx), d.cfg.StoreTimeout)
		var err error
		if next != nil && deferring {
			err = dd.AckDefer(storeCtx, id, *next)
		} else {
			err = d.outbox.Ack(storeCtx, id)
		}
		cancel()
		if err == nil {
			return
		}
		wait := backoff(d.cfg.BackoffMin, min(d.cfg.BackoffMax, storeRetryMax), attempt)
		if runCtx.Err() != nil || !d.cfg.Sleep(runCtx, wait) {
			// The page is out; it stays pending and may be sent once more after a reclaim.
			log.Error("page delivered but not acknowledged; it may be delivered twice", "err", err)
			return
		}
		log.Warn("page delivered but not yet acknowledged; retrying", "attempt", attempt, "err", err)
	}
}

// keepAlive touches every held entry well within ReclaimIdle, so a page waiting
// out a long backoff here is not taken and sent by another replica meanwhile.
// Entries the touch finds lost (taken over while this replica could not reach
// Redis) are dropped from memory.
func (d *Dispatcher) keepAlive(ctx context.Context) {
	defer d.wg.Done()
	t := time.NewTicker(d.cfg.ReclaimIdle / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		ids := make([]string, 0, len(d.held))
		for id := range d.held {
			ids = append(ids, id)
		}
		d.mu.Unlock()
		storeCtx, cancel := context.WithTimeout(ctx, d.cfg.StoreTimeout)
		lost, err := d.outbox.Touch(storeCtx, d.cfg.Consumer, ids...)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("could not refresh held outbox entries", "err", err)
			}
			continue
		}
		d.drop(lost)
	}
}

// drop ends the held pages in lost: their lanes skip or stop them unsent.
func (d *Dispatcher) drop(lost []string) {
	if len(lost) == 0 {
		return
	}
	d.mu.Lock()
	for _, id := range lost {
		if h, ok := d.held[id]; ok {
			h.cancel()
		}
	}
	d.mu.Unlock()
	d.log.Info("pages taken over by another replica (or already handled) dropped from memory", "count", len(lost))
}
