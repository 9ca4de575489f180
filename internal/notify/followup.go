package notify

import (
	"context"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// A page about a user or a room gets a follow-up in its thread once TRTC's
// call-quality data has landed, minutes later. The follow-up is a
// notification like any page, durable the same way:
//
//   - When a page is delivered, the dispatcher asks FollowUps when its
//     follow-up is due and acknowledges the page with Deferrer.AckDefer, which
//     in one step removes the page from the outbox and puts the follow-up in a
//     later set beside it. Only the ack that removes the page schedules: a page
//     sent twice (a lease lost to another replica) or an ack retried gets one
//     follow-up.
//   - Every FollowUpPoll each replica asks Deferrer.ReleaseDue to move the
//     follow-ups due into the outbox; each moves in one step, once.
//   - From there it is delivered like a page (claimed, retried, reclaimed from
//     a dead replica, dead-lettered), enriched anew by the Enricher, and sent
//     to the page's receiver, which threads it under the incident's page.
//     FollowUps is asked again first: a room still open may send it back to
//     wait (AckDefer of the follow-up itself) for the room's dismissal.
//
// Nothing of it lives in a process's memory, so restarts and crashes delay a
// follow-up; they neither lose nor repeat it.

// Deferrer is an Outbox that can hold a notification back until a time of its
// own (outbox.Outbox implements it).
type Deferrer interface {
	// AckDefer acknowledges entry id, as Ack does, and schedules n to enter
	// the outbox at n.CreatedAt, only if this call removed the entry.
	AckDefer(ctx context.Context, id string, n alert.Notification) error
	// ReleaseDue moves up to limit notifications due by now into the outbox;
	// each moves once, whichever replicas ask.
	ReleaseDue(ctx context.Context, now time.Time, limit int) (int, error)
}

// FollowUps decides which pages get a follow-up, and when (cmd/hook adapts
// internal/enrich).
type FollowUps interface {
	// FollowUpAt returns when the follow-up of n is due; ok is false when n
	// gets none. It is asked when page n has been delivered, and again when
	// n, a follow-up, comes out of the outbox: a time still ahead then sends
	// it back to wait until it.
	FollowUpAt(ctx context.Context, n alert.Notification, now time.Time) (at time.Time, ok bool)
}

// DefaultFollowUpPoll is how often a dispatcher moves due follow-ups into the
// outbox: their lateness is at most this.
const DefaultFollowUpPoll = 5 * time.Second

// releaseDue moves due follow-ups into the outbox, if the outbox holds any.
func (d *Dispatcher) releaseDue(ctx context.Context) {
	dd, ok := d.outbox.(Deferrer)
	if !ok {
		return
	}
	storeCtx, cancel := context.WithTimeout(ctx, d.cfg.StoreTimeout)
	n, err := dd.ReleaseDue(storeCtx, d.now(), cap(d.slots))
	cancel()
	switch {
	case err != nil && ctx.Err() == nil:
		d.log.Warn("due follow-ups not moved to the outbox; will retry", "err", err)
	case n > 0:
		d.log.Info("follow-ups due", "count", n)
	}
}

// followUpOf is the follow-up delivered page p gets, nil for none.
func (d *Dispatcher) followUpOf(ctx context.Context, p alert.Notification) *alert.Notification {
	if d.cfg.FollowUps == nil || p.Kind != alert.KindFiring {
		return nil
	}
	if _, ok := d.outbox.(Deferrer); !ok {
		return nil
	}
	// The page is out: whatever happens to its context, it is acknowledged,
	// and the follow-up decided within the store's time.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.StoreTimeout)
	defer cancel()
	now := d.now()
	at, ok := d.cfg.FollowUps.FollowUpAt(ctx, p, now)
	if !ok {
		return nil
	}
	f := p.FollowUp(latestOf(at, now))
	return &f
}

// waitLonger sends follow-up p back to wait when FollowUps says it is not due
// yet; it reports whether it did (or lost the entry meanwhile): the caller
// then leaves it.
func (d *Dispatcher) waitLonger(ctx, runCtx context.Context, del alert.Delivery, p alert.Notification) bool {
	if d.cfg.FollowUps == nil || p.Kind != alert.KindFollowUp {
		return false
	}
	if _, ok := d.outbox.(Deferrer); !ok {
		return false
	}
	now := d.now()
	at, ok := d.cfg.FollowUps.FollowUpAt(ctx, p, now)
	if !ok || !at.After(now) {
		return false
	}
	log := d.log.With("page", p.PageID(), "rule", p.Rule, "receiver", p.Receiver.Name)
	if d.claim(ctx, del.ID, log) {
		later := p.FollowUp(at)
		d.settle(runCtx, del.ID, &later, log)
		log.Info("follow-up waits for TRTC's data (the room is not dismissed yet)", "until", at.UTC())
	}
	return true
}

func latestOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
