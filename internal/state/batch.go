package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Batcher sends the fire scripts of concurrent callbacks to Redis together:
// under load many callbacks share a round trip (one write and one read, for
// hook and for Redis, instead of one each) and one run of the script (whose
// own cost, about a third of a lone callback's script, is then paid once). Each
// callback's alerts are decided at its own time in its own partition, as if
// it ran alone; on Redis Cluster, callbacks share a script only with others
// of their partition (one slot), and scripts of several go in one pipeline.
//
// It never waits for company, and an idle batcher costs a callback nothing:
// the callback that finds a pipeline slot free sends its own script at once,
// from its own goroutine, together with whatever is queued. Callbacks that
// arrive while every slot is busy queue, and go out together in the next
// pipeline as soon as a slot frees. Two pipelines may be in flight, so that
// while Redis works through one batch the next is on its way.
type Batcher struct {
	rdb     redis.UniversalClient
	max     int
	timeout time.Duration
	cluster bool               // a script holds the calls of one partition only
	work    chan []*scriptCall // batches for the senders
	stop    chan struct{}      // closed by Close: the senders return

	mu       sync.Mutex
	queue    []*scriptCall
	inflight int  // pipelines on their way, at most batchSlots
	closed   bool // by Close: no more calls
}

// scriptCall is one script run waiting for its batch.
type scriptCall struct {
	ctx  context.Context // the caller's: once it ends, the call is not sent
	call *fireCall
	res  []string
	err  error
	done chan struct{}
}

// DefaultBatch bounds the scripts one pipeline carries.
const DefaultBatch = 64

// batchSlots is how many pipelines may be in flight at once.
const batchSlots = 2

// maxQueuedBatches bounds the queue, in pipelines' worth of calls: when
// Redis hangs, callbacks are refused at once (503, TRTC retries) rather
// than piling up in memory for the moment it wakes.
const maxQueuedBatches = 64

// NewBatcher returns a batcher running the fire script on rdb, for at most
// max callbacks a round trip (0: DefaultBatch); timeout bounds one round
// trip (0: 2 s). Close stops it.
func NewBatcher(rdb redis.UniversalClient, max int, timeout time.Duration) *Batcher {
	if max <= 0 {
		max = DefaultBatch
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	_, cluster := rdb.(*redis.ClusterClient)
	b := &Batcher{rdb: rdb, max: max, timeout: timeout, cluster: cluster,
		work: make(chan []*scriptCall), stop: make(chan struct{})}
	for range batchSlots {
		go b.sender()
	}
	return b
}

// Close stops the batcher: calls after it fail; calls already queued are
// still sent.
func (b *Batcher) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.stop)
	}
}

// sender sends the batches that queued while both slots were busy. Two live
// as long as the batcher: a batch costs no new goroutine, nor the growth of
// its stack to the depth of a pipeline.
func (b *Batcher) sender() {
	for {
		select {
		case batch := <-b.work:
			b.drain(batch)
		case <-b.stop:
			return
		}
	}
}

// drain sends batch, then each batch that queued meanwhile, until the queue
// is empty and the slot is free again.
func (b *Batcher) drain(batch []*scriptCall) {
	for batch != nil {
		b.send(batch)
		batch = b.next()
	}
}

var (
	errBatcherClosed = errors.New("batcher closed")
	errBatcherFull   = errors.New("too many callbacks waiting for Redis")
)

// run sends the calls of one callback (one per partition it fires into,
// nearly always one), with whatever is queued when a slot is free, and
// returns their results; or gives up at ctx's end.
func (b *Batcher) run(ctx context.Context, calls []*fireCall) ([][]string, error) {
	mine := make([]*scriptCall, len(calls))
	for i, call := range calls {
		mine[i] = &scriptCall{ctx: ctx, call: call}
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errBatcherClosed
	}
	if b.inflight < batchSlots {
		// A free slot: send now, from this goroutine, taking the queue along.
		b.inflight++
		batch := append(b.take(max(b.max-len(mine), 0)), mine...)
		b.mu.Unlock()
		b.send(batch)
		if more := b.next(); more != nil {
			// Calls queued meanwhile: a sender takes them on, so that this
			// caller, which has its answer, returns to its callback.
			select {
			case b.work <- more:
			default: // both senders busy, or stopped
				go b.drain(more)
			}
		}
		return results(mine)
	}
	if len(b.queue) >= maxQueuedBatches*b.max {
		b.mu.Unlock()
		return nil, errBatcherFull
	}
	for _, c := range mine {
		c.done = make(chan struct{})
	}
	b.queue = append(b.queue, mine...)
	b.mu.Unlock()
	for _, c := range mine {
		select {
		case <-c.done:
		case <-ctx.Done():
			// The script may still run: its effects are those of a callback
			// answered 503, which TRTC retries and dedup absorbs.
			return nil, ctx.Err()
		}
	}
	return results(mine)
}

// results are the results of calls, or the first error one of them met.
func results(calls []*scriptCall) ([][]string, error) {
	out := make([][]string, len(calls))
	for i, c := range calls {
		if c.err != nil {
			return nil, c.err
		}
		out[i] = c.res
	}
	return out, nil
}

// take removes up to n calls from the front of the queue; b.mu is held.
// Calls whose callers gave up meanwhile (answered 503) are dropped, not
// sent: after a hang, Redis gets the callbacks still waiting, not a backlog.
func (b *Batcher) take(n int) []*scriptCall {
	batch := make([]*scriptCall, 0, min(n, len(b.queue))+1)
	taken := 0
	for _, c := range b.queue {
		if len(batch) == n {
			break
		}
		taken++
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		batch = append(batch, c)
	}
	b.queue = b.queue[:copy(b.queue, b.queue[taken:])]
	return batch
}

// next is the batch to send in the slot that just freed: the calls queued
// meanwhile, or nil, and the slot is free.
func (b *Batcher) next() []*scriptCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queue) > 0 {
		if batch := b.take(b.max); len(batch) > 0 {
			return batch
		}
		// every caller taken had given up: look further
	}
	b.inflight--
	return nil
}

// send runs a batch: one script for all its calls (on Redis Cluster, one
// per partition, in one pipeline), loading the script once if Redis does not
// know it (a restart, a failover).
func (b *Batcher) send(batch []*scriptCall) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	groups := b.group(batch)
	if len(groups) == 1 && len(batch) == 1 { // alone: a plain call, no pipeline to build
		res, err := runFireCommand(ctx, b.rdb, fireCommand([]*fireCall{batch[0].call})).StringSlice()
		answer(batch, res, err)
		return
	}
	cmds := b.pipeline(ctx, groups)
	if missed := noScript(cmds); len(missed) > 0 {
		// Only the scripts Redis did not know run again: the others ran
		// (a node that had the script, or one another batch loaded it on
		// meanwhile), and running them twice would turn their pages into
		// duplicates.
		if err := fireScript.Load(ctx, b.rdb).Err(); err == nil {
			again := make([][]*scriptCall, len(missed))
			for k, i := range missed {
				again[k] = groups[i]
			}
			for k, cmd := range b.pipeline(ctx, again) {
				cmds[missed[k]] = cmd
			}
		}
	}
	for i, g := range groups {
		res, err := cmds[i].StringSlice()
		if err != nil && len(g) > 1 && scriptFailed(err) {
			// One call's alerts broke the script they shared (a bug, or a key
			// an operator changed the type of): each runs alone, so that only
			// its own callback fails. Calls the first run got through find
			// their effects in place (dedup, windows) and change nothing.
			b.alone(ctx, g)
			continue
		}
		answer(g, res, err)
	}
}

// group splits a batch into the calls that share one script: all of them,
// but on Redis Cluster those of each partition.
func (b *Batcher) group(batch []*scriptCall) [][]*scriptCall {
	if !b.cluster {
		return [][]*scriptCall{batch}
	}
	var groups [][]*scriptCall
next:
	for _, c := range batch {
		for i, g := range groups {
			if g[0].call.samePart(c.call) {
				groups[i] = append(g, c)
				continue next
			}
		}
		groups = append(groups, []*scriptCall{c})
	}
	return groups
}

func (b *Batcher) pipeline(ctx context.Context, groups [][]*scriptCall) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(groups))
	_, _ = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, g := range groups {
			calls := make([]*fireCall, len(g))
			for j, c := range g {
				calls[j] = c.call
			}
			cmds[i] = queueFire(ctx, p, fireCommand(calls))
		}
		return nil
	}) // errors are read per command
	return cmds
}

// alone runs each call of g in a script of its own, in one pipeline.
func (b *Batcher) alone(ctx context.Context, g []*scriptCall) {
	groups := make([][]*scriptCall, len(g))
	for i, c := range g {
		groups[i] = []*scriptCall{c}
	}
	for i, cmd := range b.pipeline(ctx, groups) {
		res, err := cmd.StringSlice()
		answer(groups[i], res, err)
	}
}

// answer hands each call of g its verdicts, in order, from res, the verdicts
// of the script they shared, or err.
func answer(g []*scriptCall, res []string, err error) {
	total := 0
	for _, c := range g {
		total += c.call.alerts()
	}
	if err == nil && len(res) != total {
		err = fmt.Errorf("fire: script returned %d results for %d alerts", len(res), total)
	}
	for _, c := range g {
		if err != nil {
			c.err = err
		} else {
			n := c.call.alerts()
			c.res, res = res[:n:n], res[n:]
		}
		if c.done != nil { // nil for the call that sent the batch itself
			close(c.done)
		}
	}
}

// scriptFailed reports whether err is the script's own failure, not Redis
// being unavailable (a timeout, a failover, a script still loading).
func scriptFailed(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	msg := rerr.Error()
	for _, prefix := range [...]string{"ERR ", "WRONGTYPE ", "hook:"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// noScript lists the commands that failed because Redis did not know the
// script.
func noScript(cmds []*redis.Cmd) []int {
	var missed []int
	for i, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			missed = append(missed, i)
		}
	}
	return missed
}

// WithBatcher makes Fire send its scripts through b.
func (s *Redis) WithBatcher(b *Batcher) *Redis {
	s.batch = b
	return s
}
