// Package writebehind owns the queue behind hook's writes that must not
// delay a callback's answer (the room population, the record of accepted
// callbacks): items are offered without waiting, and one goroutine writes
// them in batches, every Every or as soon as Batch wait; Close writes what
// is queued. It knows nothing of what is written: its owner passes the
// write function.
package writebehind

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Offer's refusals: the item was not queued, and its owner counts why.
var (
	ErrFull   = errors.New("write-behind queue full")
	ErrClosed = errors.New("write-behind queue closed")
)

// Options size a queue. Every field must be positive.
type Options struct {
	Capacity int           // items waiting at most; past it Offer refuses
	Batch    int           // items a write takes at most
	Every    time.Duration // a partial batch waits at most this long
	Timeout  time.Duration // bound on one write
}

// Queue is a write-behind queue of T.
//
// Its items wait in a slice that grows as they come, not in a channel of
// Capacity: a channel's buffer is allocated whole and, once the writer has
// cycled through it, stays resident. At hook's capacities (64k items for
// the population and the record) those buffers were most of an idle
// replica's heap. The writer takes the waiting slice whole, in one swap
// under the lock, so that callbacks offering items never wait for a batch
// to be copied.
type Queue[T any] struct {
	opts  Options
	write func(context.Context, []T) error

	mu     sync.Mutex
	items  []T  // waiting to be taken
	spare  []T  // the slice the writer last emptied, reused for items
	held   int  // items taken but not yet written: they count to Capacity
	closed bool // by Close: Offer refuses

	full  chan struct{} // a batch is waiting (capacity 1: a kick, not a count)
	stop  chan struct{} // closed by Close
	done  chan struct{} // closed when the writer has flushed and returned
	start sync.Once
	close sync.Once
	// running is set by Start: Close then waits for the writer to flush;
	// without it Close flushes itself.
	running atomic.Bool
}

// New returns a queue whose batches go to write (called from one goroutine
// at a time; the slice is reused after it returns).
func New[T any](opts Options, write func(context.Context, []T) error) *Queue[T] {
	return &Queue[T]{opts: opts, write: write,
		full: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// Offer queues v without waiting: ErrClosed after Close, ErrFull when
// Capacity items wait.
func (q *Queue[T]) Offer(v T) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if len(q.items)+q.held >= q.opts.Capacity {
		q.mu.Unlock()
		return ErrFull
	}
	q.items = append(q.items, v)
	n := len(q.items)
	q.mu.Unlock()
	if n == q.opts.Batch {
		select {
		case q.full <- struct{}{}:
		default: // the writer has been told already
		}
	}
	return nil
}

// Len is how many items wait to be written.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) + q.held
}

// takeAll takes every waiting item; they count as held until written.
func (q *Queue[T]) takeAll() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	taken := q.items
	q.items, q.spare = q.spare, nil
	q.held += len(taken)
	return taken
}

// drain writes taken in batches of at most Batch with write, and returns
// the slice for reuse: cleared (what the items hold is not kept alive), and
// only if a burst did not grow it past a few batches, so that an idle queue
// holds little.
func (q *Queue[T]) drain(taken []T, write func([]T)) {
	for rest := taken; len(rest) > 0; {
		n := min(len(rest), q.opts.Batch)
		write(rest[:n])
		rest = rest[n:]
		q.mu.Lock()
		q.held -= n
		q.mu.Unlock()
	}
	clear(taken)
	q.mu.Lock()
	if cap(taken) <= 2*q.opts.Batch && q.spare == nil {
		q.spare = taken[:0]
	}
	q.mu.Unlock()
}

// Start starts the writer, until Close.
func (q *Queue[T]) Start() {
	q.start.Do(func() {
		q.running.Store(true)
		go q.writer()
	})
}

// Close stops the writer after it has written what is queued (each write
// bounded by Timeout); what is offered after it is refused.
func (q *Queue[T]) Close() {
	q.close.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		close(q.stop)
		if q.running.Load() {
			<-q.done
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), q.opts.Timeout)
		defer cancel()
		_ = q.Flush(ctx)
	})
}

func (q *Queue[T]) writer() {
	defer close(q.done)
	tick := time.NewTicker(q.opts.Every)
	defer tick.Stop()
	write := func(batch []T) {
		ctx, cancel := context.WithTimeout(context.Background(), q.opts.Timeout)
		_ = q.write(ctx, batch) // the owner counts what a failed write lost
		cancel()
	}
	for {
		select {
		case <-q.full:
		case <-tick.C:
		case <-q.stop:
			// Nothing is offered after Close: what waits now is the last.
			q.drain(q.takeAll(), write)
			return
		}
		q.drain(q.takeAll(), write)
	}
}

// Flush writes what is queued now, in batches, and returns the first error.
// The writer does this by itself; tests, and Close without Start, call it.
func (q *Queue[T]) Flush(ctx context.Context) error {
	var first error
	q.drain(q.takeAll(), func(batch []T) {
		if err := q.write(ctx, batch); err != nil && first == nil {
			first = err
		}
	})
	return first
}

// LossLogEvery bounds the log lines lost writes cost: a Redis outage is
// one line every LossLogEvery, not one per batch.
const LossLogEvery = 10 * time.Second

// Losses counts the items failed writes lost, between log lines.
type Losses struct {
	lost   atomic.Int64
	lastMs atomic.Int64
}

// Add counts n items lost at now and returns how many to report in a log
// line now (all lost since the last line), or 0 while LossLogEvery has not
// passed since it.
func (l *Losses) Add(n int, now time.Time) int64 {
	lost := l.lost.Add(int64(n))
	ms, last := now.UnixMilli(), l.lastMs.Load()
	if ms-last < LossLogEvery.Milliseconds() || !l.lastMs.CompareAndSwap(last, ms) {
		return 0
	}
	l.lost.Add(-lost)
	return lost
}

// NewDroppedCounter is a queue owner's count of the items it lost, by
// reason, registered with reg. Every reason starts at 0, so that a
// dashboard shows 0, not "no data".
func NewDroppedCounter(reg prometheus.Registerer, name, help string, reasons ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"reason"})
	for _, r := range reasons {
		c.WithLabelValues(r)
	}
	reg.MustRegister(c)
	return c
}
