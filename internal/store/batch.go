package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Batcher sends the fire scripts of concurrent callbacks to Redis together,
// in one pipeline: under load many callbacks share a round trip (one write
// and one read, for hook and for Redis, instead of one each), and Redis runs
// each script on its own, atomically, as before.
//
// It never waits for company, and an idle batcher costs a callback nothing:
// the callback that finds a pipeline slot free sends its own script at once,
// from its own goroutine, together with whatever is queued. Callbacks that
// arrive while every slot is busy queue, and go out together in the next
// pipeline as soon as a slot frees. Two pipelines may be in flight, so that
// while Redis works through one batch the next is on its way.
type Batcher struct {
	rdb     redis.UniversalClient
	script  *redis.Script
	max     int
	timeout time.Duration

	mu       sync.Mutex
	queue    []*scriptCall
	inflight int  // pipelines on their way, at most batchSlots
	closed   bool // by Close: no more calls
}

// scriptCall is one script run waiting for its batch.
type scriptCall struct {
	ctx  context.Context // the caller's: once it ends, the call is not sent
	keys []string
	args []any
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

// NewBatcher returns a batcher running script on rdb, at most max scripts a
// round trip (0: DefaultBatch); timeout bounds one pipeline (0: 2 s).
func NewBatcher(rdb redis.UniversalClient, max int, timeout time.Duration) *Batcher {
	if max <= 0 {
		max = DefaultBatch
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	return &Batcher{rdb: rdb, script: fireScript, max: max, timeout: timeout}
}

// Close stops the batcher: calls after it fail; calls already queued are
// still sent.
func (b *Batcher) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
}

var (
	errBatcherClosed = errors.New("batcher closed")
	errBatcherFull   = errors.New("too many callbacks waiting for Redis")
)

// run sends one script, with whatever is queued when a slot is free, and
// returns its result; or gives up at ctx's end.
func (b *Batcher) run(ctx context.Context, keys []string, args []any) ([]string, error) {
	c := &scriptCall{ctx: ctx, keys: keys, args: args}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errBatcherClosed
	}
	if b.inflight < batchSlots {
		// A free slot: send now, from this goroutine, taking the queue along.
		b.inflight++
		batch := append(b.take(b.max-1), c)
		b.mu.Unlock()
		b.send(batch)
		b.next()
		return c.res, c.err
	}
	if len(b.queue) >= maxQueuedBatches*b.max {
		b.mu.Unlock()
		return nil, errBatcherFull
	}
	c.done = make(chan struct{})
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		// The script may still run: its effects are those of a callback
		// answered 503, which TRTC retries and dedup absorbs.
		return nil, ctx.Err()
	}
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

// next hands a slot that just freed to the queue: the calls waiting go out
// together, from a goroutine of their own (the caller that freed the slot
// has its answer and returns to its callback).
func (b *Batcher) next() {
	b.mu.Lock()
	if len(b.queue) == 0 {
		b.inflight--
		b.mu.Unlock()
		return
	}
	batch := b.take(b.max)
	if len(batch) == 0 { // every caller waiting had given up
		b.mu.Unlock()
		b.next()
		return
	}
	b.mu.Unlock()
	go func() {
		b.send(batch)
		b.next()
	}()
}

// send runs a batch in one pipeline of EVALSHAs, loading the script once
// if Redis does not know it (a restart, a failover).
func (b *Batcher) send(batch []*scriptCall) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	if len(batch) == 1 { // alone: a plain call, no pipeline to build
		c := batch[0]
		c.res, c.err = b.script.Run(ctx, b.rdb, c.keys, c.args...).StringSlice()
		if c.done != nil {
			close(c.done)
		}
		return
	}
	cmds := b.pipeline(ctx, batch)
	if noScript(cmds) {
		if err := b.script.Load(ctx, b.rdb).Err(); err == nil {
			cmds = b.pipeline(ctx, batch)
		}
	}
	for i, c := range batch {
		c.res, c.err = cmds[i].StringSlice()
		if c.done != nil { // nil for the call that sent the batch itself
			close(c.done)
		}
	}
}

func (b *Batcher) pipeline(ctx context.Context, batch []*scriptCall) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(batch))
	_, _ = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range batch {
			cmds[i] = b.script.EvalSha(ctx, p, c.keys, c.args...)
		}
		return nil
	}) // errors are read per command
	return cmds
}

func noScript(cmds []*redis.Cmd) bool {
	for _, c := range cmds {
		if err := c.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			return true
		}
	}
	return false
}

// WithBatcher makes Fire send its scripts through b.
func (s *Redis) WithBatcher(b *Batcher) *Redis {
	s.batch = b
	return s
}
