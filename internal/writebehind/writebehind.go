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
type Queue[T any] struct {
	opts  Options
	write func(context.Context, []T) error

	ch    chan T
	stop  chan struct{} // closed by Close
	done  chan struct{} // closed when the writer has flushed and returned
	start sync.Once
	close sync.Once
	// running is set by Start: Close then waits for the writer to flush;
	// without it Close flushes itself.
	running atomic.Bool
	closed  atomic.Bool
}

// New returns a queue whose batches go to write (called from one goroutine
// at a time; the slice is reused after it returns).
func New[T any](opts Options, write func(context.Context, []T) error) *Queue[T] {
	return &Queue[T]{opts: opts, write: write,
		ch: make(chan T, opts.Capacity), stop: make(chan struct{}), done: make(chan struct{})}
}

// Offer queues v without waiting: ErrClosed after Close, ErrFull when
// Capacity items wait.
func (q *Queue[T]) Offer(v T) error {
	if q.closed.Load() {
		return ErrClosed
	}
	select {
	case q.ch <- v:
		return nil
	default:
		return ErrFull
	}
}

// Len is how many items wait.
func (q *Queue[T]) Len() int { return len(q.ch) }

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
		q.closed.Store(true)
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
	buf := make([]T, 0, q.opts.Batch)
	send := func() {
		if len(buf) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), q.opts.Timeout)
		_ = q.write(ctx, buf) // the owner counts what a failed write lost
		cancel()
		clear(buf) // what the items hold is not kept alive
		buf = buf[:0]
	}
	add := func(v T) {
		buf = append(buf, v)
		if len(buf) >= q.opts.Batch {
			send()
		}
	}
	for {
		select {
		case v := <-q.ch:
			add(v)
		case <-tick.C:
			send()
		case <-q.stop:
			for {
				select {
				case v := <-q.ch:
					add(v)
				default:
					send()
					return
				}
			}
		}
	}
}

// Flush writes what is queued now, in batches, and returns the first error.
// The writer does this by itself; tests, and Close without Start, call it.
func (q *Queue[T]) Flush(ctx context.Context) error {
	var first error
	for {
		buf := make([]T, 0, q.opts.Batch)
	fill:
		for len(buf) < q.opts.Batch {
			select {
			case v := <-q.ch:
				buf = append(buf, v)
			default:
				break fill
			}
		}
		if len(buf) == 0 {
			return first
		}
		if err := q.write(ctx, buf); err != nil && first == nil {
			first = err
		}
	}
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
