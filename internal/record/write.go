package record

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxSpan bounds the arrivals one entry holds: a reader asking for a
// period reads the entries that began up to rangeSlack before it, which
// must hold every callback of the period.
const maxSpan = 10 * time.Second

// write appends items, as one entry of a partition's stream per run of
// them that arrived within maxSpan (nearly always one). Callbacks Redis
// did not take are counted as dropped.
func (w *Writer) write(ctx context.Context, items []item) error {
	var errs []error
	for len(items) > 0 {
		n := 1
		for n < len(items) && items[n].at-items[0].at < maxSpan.Milliseconds() && items[0].at-items[n].at < maxSpan.Milliseconds() {
			n++
		}
		if err := w.writeEntry(ctx, items[:n]); err != nil {
			errs = append(errs, err)
		}
		items = items[n:]
	}
	return errors.Join(errs...)
}

// writeEntry appends items as one entry of the next partition's stream
// (each batch goes to the partition after the last one's: over time every
// partition, so every master of a Cluster, holds an even share): one
// script run, one round trip.
func (w *Writer) writeEntry(ctx context.Context, items []item) error {
	p := w.next
	w.next = (w.next + 1) % w.layout.Partitions()
	stream, counts, total := keys(w.layout.Partition(p))
	now := w.opts.Now()
	w.buf = appendBatch(w.buf[:0], items)
	args := []any{max(1, w.opts.MaxLen/w.layout.Partitions()), now.Add(-w.opts.MaxAge).UnixMilli(), w.opts.MaxAge.Milliseconds(),
		items[0].at, len(items), w.buf}
	err := script.Run(ctx, w.rdb, []string{stream, counts, total}, args...).Err()
	if err != nil {
		err = fmt.Errorf("record: %d callbacks not written: %w", len(items), err)
		w.lose(len(items), err)
		return err
	}
	w.opts.Metrics.wrote(len(items))
	return nil
}

// lose counts n callbacks Redis did not take, and says so in the log at
// most every writebehind.LossLogEvery, with how many were lost since.
func (w *Writer) lose(n int, err error) {
	w.opts.Metrics.drop(reasonRedis, n)
	if lost := w.losses.Add(n, w.opts.Now()); lost > 0 {
		w.opts.Log.Warn("record of accepted callbacks not written: hook backtest will miss them",
			"callbacks", lost, "err", err)
	}
}
