package notify

import (
	"context"

	"github.com/hookdev/hook/internal/alert"
)

// PendingReader is an Outbox that can hand a consumer back the entries it
// itself read and never acknowledged: the pages a previous run of this
// consumer was still retrying when it was stopped. Without it those pages wait
// ReclaimIdle before any consumer (this one included) takes them over.
type PendingReader interface {
	Pending(ctx context.Context, consumer string, count int) ([]alert.Delivery, error)
}

// resumeOwn re-queues what this consumer left pending on its last run, so a
// restart (a deploy, a SIGTERM) delivers held-back pages at once. Entries
// beyond MaxInFlight are left for the regular reclaim.
func (d *Dispatcher) resumeOwn(ctx context.Context) {
	pr, ok := d.outbox.(PendingReader)
	if !ok {
		return
	}
	storeCtx, cancel := context.WithTimeout(ctx, d.cfg.StoreTimeout)
	batch, err := pr.Pending(storeCtx, d.cfg.Consumer, cap(d.slots))
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("could not read pages left pending by the last run; the reclaim will pick them up", "err", err)
		}
		return
	}
	if len(batch) > 0 {
		d.log.Info("resuming pages left pending by the last run", "count", len(batch))
	}
	for _, del := range batch {
		d.enqueue(ctx, del)
	}
}
