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
// each script on its own, atomically, as before. It never waits for
// company: a script goes out at once with whatever else is queued at that
// moment, so a lone callback's latency is one round trip, as without it.
//
// A few senders run at once, each with one pipeline in flight: while Redis
// works through one batch the next is already on its way, so Redis is never
// idle waiting for hook to read a reply.
type Batcher struct {
	rdb     redis.UniversalClient
	script  *redis.Script
	queue   chan *scriptCall
	max     int
	timeout time.Duration
	once    sync.Once
	stop    chan struct{} // closed by Close
	stopped chan struct{} // closed when every sender has returned
}

// batchSenders is how many pipelines may be in flight at once.
const batchSenders = 2

// scriptCall is one script run waiting for its batch.
type scriptCall struct {
	keys []string
	args []any
	res  []string
	err  error
	done chan struct{}
}

// DefaultBatch bounds the scripts one pipeline carries.
const DefaultBatch = 64

// NewBatcher returns a batcher running script on rdb, at most max scripts a
// round trip (0: DefaultBatch); timeout bounds one pipeline (0: 2 s). Call
// Close when done.
func NewBatcher(rdb redis.UniversalClient, max int, timeout time.Duration) *Batcher {
	if max <= 0 {
		max = DefaultBatch
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	b := &Batcher{rdb: rdb, script: fireScript, queue: make(chan *scriptCall, 4*max), max: max, timeout: timeout, stop: make(chan struct{}), stopped: make(chan struct{})}
	var senders sync.WaitGroup
	for range batchSenders {
		senders.Go(b.loop)
	}
	go func() {
		senders.Wait()
		close(b.stopped)
	}()
	return b
}

// Close stops the batcher; calls after it fail.
func (b *Batcher) Close() { b.once.Do(func() { close(b.stop) }) }

var errBatcherClosed = errors.New("batcher closed")

// run queues one script and waits for its result or ctx.
func (b *Batcher) run(ctx context.Context, keys []string, args []any) ([]string, error) {
	c := &scriptCall{keys: keys, args: args, done: make(chan struct{})}
	select {
	case <-b.stop:
		return nil, errBatcherClosed
	default:
	}
	select {
	case b.queue <- c:
	case <-b.stop:
		return nil, errBatcherClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-b.stopped:
		select {
		case <-c.done: // sent in the last batch
			return c.res, c.err
		default:
			return nil, errBatcherClosed
		}
	case <-ctx.Done():
		// The script may still run: its effects are those of a callback
		// answered 503, which TRTC retries and dedup absorbs.
		return nil, ctx.Err()
	}
}

func (b *Batcher) loop() {
	batch := make([]*scriptCall, 0, b.max)
	for {
		select {
		case <-b.stop:
			return
		case c := <-b.queue:
			batch = append(batch[:0], c)
		}
	drain:
		for len(batch) < b.max {
			select {
			case c := <-b.queue:
				batch = append(batch, c)
			default:
				break drain
			}
		}
		b.send(batch)
	}
}

// send runs a batch in one pipeline of EVALSHAs, loading the script once
// if Redis does not know it (a restart, a failover).
func (b *Batcher) send(batch []*scriptCall) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	cmds := b.pipeline(ctx, batch)
	if noScript(cmds) {
		if err := b.script.Load(ctx, b.rdb).Err(); err == nil {
			cmds = b.pipeline(ctx, batch)
		}
	}
	for i, c := range batch {
		c.res, c.err = cmds[i].StringSlice()
		close(c.done)
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
