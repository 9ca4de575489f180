// Package record keeps a bounded record of the callbacks hook accepted, so
// that `hook backtest` can replay yesterday's traffic through an edited
// rules file and say what it would have paged.
//
// It owns:
//   - its Redis keys, in every partition (record.keys:
//     "{hook:pNN}:record", a stream of batches of callbacks, with the
//     number of callbacks of each entry and in all beside it), so that on
//     Redis Cluster the record spreads over every master: each batch goes
//     to the partition after the last one's, so each holds an even share
//     over time, whatever the rooms;
//   - record.lua, embedded, the only code that writes them, and the batch
//     format (encode.go);
//   - the Writer: a batched writer the handler hands every accepted
//     callback without waiting, and Read, which streams a period back in
//     arrival order (the partitions merged by time) without loading it.
//
// What it keeps: the callback's body as accepted (the bytes the signature
// covered, which decode to the event the rules saw), the SdkAppId it came
// with, and its arrival time. Never the Sign header or any key. Callbacks
// are bounded by age (MaxAge, default 24 h: entries that began before are
// trimmed when their partition is next written, and a partition nobody
// writes to expires) and by number (MaxLen over all partitions: the
// oldest batches go whole, so a partition keeps its share less at most a
// batch). Memory per callback, measured on redis-server 7.0
// (TestBytesPerCallback): the body and about 28 bytes; see DefaultMaxLen.
//
// Writes never delay a callback: Record queues, and a goroutine sends what
// is queued every FlushEvery (or as soon as Batch wait) as one stream entry:
// one script run, one round trip, one XADD for the whole batch, whose cost
// to Redis is then little more than its bytes (about 1.4 µs of Redis CPU a
// callback). When the queue is full a callback is dropped and counted
// (hook_record_dropped_total), and so is a batch Redis refused or did not
// answer in time.
package record

import (
	"context"
	_ "embed"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/writebehind"
)

//go:embed record.lua
var recordSource string

// script appends callbacks to one partition's stream; see record.lua.
var script = redis.NewScript(recordSource)

// Defaults of Options.
const (
	// DefaultMaxAge is how long a callback is kept: a day, so that "what
	// would yesterday have paged" can be asked.
	DefaultMaxAge = 24 * time.Hour
	// DefaultMaxLen is how many callbacks are kept, at most, over all
	// partitions: a record costs the body plus about 28 bytes a callback
	// (redis-server 7.0, MEMORY USAGE of every record key;
	// TestBytesPerCallback: 263 bytes for TRTC's room events of 235
	// bytes), so 500,000 room events take about 130 MB. An app sending
	// more in MaxAge keeps its latest 500,000.
	DefaultMaxLen     = 500_000
	DefaultQueue      = 1 << 16
	DefaultBatch      = 2048
	DefaultFlushEvery = 50 * time.Millisecond
	DefaultTimeout    = 2 * time.Second
	// MaxBody bounds a recorded body: TRTC's are under 2 KB, and a callback
	// of more is answered but not recorded (counted as too_large).
	MaxBody = 64 << 10
)

// Options tune a Writer; the zero value takes every default.
type Options struct {
	MaxAge     time.Duration // DefaultMaxAge unless set
	MaxLen     int           // DefaultMaxLen unless set
	Queue      int           // callbacks waiting to be written, at most
	Batch      int           // callbacks one flush sends, at most
	FlushEvery time.Duration // how long a callback waits for company, at most
	Timeout    time.Duration // bounds every round trip to Redis
	// Now is the clock: required (the server's, or a test's).
	Now     func() time.Time
	Metrics *Metrics // nil: nothing counted
	Log     *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxLen <= 0 {
		o.MaxLen = DefaultMaxLen
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = DefaultFlushEvery
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Writer appends accepted callbacks to the record: see the package
// documentation.
type Writer struct {
	rdb    redis.UniversalClient
	layout keyspace.Layout
	opts   Options

	q *writebehind.Queue[item]

	next   int                // the partition the next batch goes to (the writing goroutine only)
	buf    []byte             // the batch being encoded, reused
	losses writebehind.Losses // lost to Redis errors, between log lines
}

// item is one accepted callback waiting to be written. body is the
// handler's own buffer, kept rather than copied: nothing else writes to it.
type item struct {
	app  string
	body []byte
	at   int64 // arrival, Unix ms
}

// NewWriter returns a writer to rdb in layout's partitions. Start starts
// it; Close stops it.
func NewWriter(rdb redis.UniversalClient, layout keyspace.Layout, opts Options) *Writer {
	opts = opts.withDefaults()
	w := &Writer{rdb: rdb, layout: layout, opts: opts}
	w.q = writebehind.New(writebehind.Options{Capacity: opts.Queue, Batch: opts.Batch, Every: opts.FlushEvery, Timeout: opts.Timeout}, w.write)
	return w
}

// Record queues a callback hook accepted: app is its SdkAppId, body the
// bytes as received (kept, not copied: the caller must not change them),
// at its arrival. It never waits: when the queue is full the callback is
// dropped and counted.
func (w *Writer) Record(app string, body []byte, at time.Time) {
	if len(body) > MaxBody {
		w.opts.Metrics.drop(reasonTooLarge, 1)
		return
	}
	switch w.q.Offer(item{app: app, body: body, at: at.UnixMilli()}) {
	case writebehind.ErrClosed:
		w.opts.Metrics.drop(reasonClosed, 1)
	case writebehind.ErrFull:
		w.opts.Metrics.drop(reasonQueueFull, 1)
	}
}

// Start starts the writer: it sends what is queued every FlushEvery, or
// as soon as Batch callbacks wait, until Close.
func (w *Writer) Start() { w.q.Start() }

// Close stops the writer after it has written what is queued (each round
// trip bounded by Timeout); callbacks recorded after it are dropped.
func (w *Writer) Close() { w.q.Close() }

// Flush writes what is queued now, in batches, and returns the first error.
// The writer does this by itself; tests and Close without Start call it.
func (w *Writer) Flush(ctx context.Context) error { return w.q.Flush(ctx) }
