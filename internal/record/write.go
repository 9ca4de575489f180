package record

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// call is one run of the script: the callbacks of one partition.
type call struct {
	key  string
	args []any
	n    int
}

// calls deals items to the partitions in turn, one script run each.
func (w *Writer) calls(items []item, now time.Time) []*call {
	parts := w.layout.Partitions()
	perPart := max(1, w.opts.MaxLen/parts)
	oldest := strconv.FormatInt(now.Add(-w.opts.MaxAge).UnixMilli(), 10)
	ttl := w.opts.MaxAge.Milliseconds()
	byPart := make([]*call, parts)
	var order []*call
	for _, it := range items {
		p := w.next
		w.next = (w.next + 1) % parts
		c := byPart[p]
		if c == nil {
			c = &call{key: w.layout.Partition(p).Record(), args: make([]any, 0, 3+3*(len(items)/parts+1))}
			c.args = append(c.args, perPart, oldest, ttl)
			byPart[p] = c
			order = append(order, c)
		}
		// The body goes as the handler's own bytes: go-redis writes a
		// []byte as it is, without a copy.
		c.args = append(c.args, it.at, it.app, it.body)
		c.n++
	}
	return order
}

// write appends items: one script per partition, all in one pipeline.
// Callbacks Redis did not take are counted as dropped.
func (w *Writer) write(ctx context.Context, items []item) error {
	if len(items) == 0 {
		return nil
	}
	calls := w.calls(items, w.opts.Now())
	errs := w.run(ctx, calls)
	written := 0
	for i, err := range errs {
		if err != nil {
			w.lose(calls[i].n, err)
			continue
		}
		written += calls[i].n
	}
	w.opts.Metrics.wrote(written)
	return joined(errs, len(calls))
}

// joined is one error for the calls that failed, or nil.
func joined(errs []error, calls int) error {
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("record: %d of %d partitions not written: %w", len(failed), calls, errors.Join(failed...))
}

// run sends calls in one pipeline, loading the script where Redis does not
// know it (a restart, a failover) and sending only those calls again: the
// others ran.
func (w *Writer) run(ctx context.Context, calls []*call) []error {
	cmds := w.pipeline(ctx, calls)
	var missed []int
	for i, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			missed = append(missed, i)
		}
	}
	if len(missed) > 0 {
		if err := script.Load(ctx, w.rdb).Err(); err == nil {
			again := make([]*call, len(missed))
			for k, i := range missed {
				again[k] = calls[i]
			}
			for k, c := range w.pipeline(ctx, again) {
				cmds[missed[k]] = c
			}
		}
	}
	errs := make([]error, len(calls))
	for i, c := range cmds {
		errs[i] = c.Err()
	}
	return errs
}

func (w *Writer) pipeline(ctx context.Context, calls []*call) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(calls))
	_, _ = w.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = script.EvalSha(ctx, p, []string{c.key}, c.args...)
		}
		return nil
	}) // errors are read per command
	return cmds
}

// lose counts n callbacks Redis did not take, and says so in the log at
// most every lossLogEvery, with how many were lost since.
func (w *Writer) lose(n int, err error) {
	w.opts.Metrics.drop(reasonRedis, n)
	lost := w.lost.Add(int64(n))
	now := w.opts.Now().UnixMilli()
	last := w.lastLogMs.Load()
	if now-last < lossLogEvery.Milliseconds() || !w.lastLogMs.CompareAndSwap(last, now) {
		return
	}
	w.lost.Add(-lost)
	w.opts.Log.Warn("record of accepted callbacks not written: hook backtest will miss them",
		"callbacks", lost, "err", err)
}

// lossLogEvery bounds the log lines lost writes cost.
const lossLogEvery = 10 * time.Second
