package rooms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/writebehind"
)

// Defaults of the Writer.
const (
	DefaultQueue      = 1 << 14
	DefaultBatch      = 512
	DefaultFlushEvery = 20 * time.Millisecond
)

// Writer records rooms' lives off the hot path (the engine's RoomLog): a
// room created or dismissed (101, 102) is a routine callback, and costs no
// Redis round trip of its own. RecordRoom queues; a goroutine writes what is
// queued every DefaultFlushEvery, as one pipeline. A record the full queue
// refuses, or Redis refuses, is lost and counted
// (hook_room_log_dropped_total, and a warning at most every
// writebehind.LossLogEvery): that room's pages then go without what hook saw
// of its life, as for a room hook never saw (DescribeRoomInfo alone).
type Writer struct {
	s       *Store
	q       *writebehind.Queue[roomEvent]
	metrics *Metrics
	losses  writebehind.Losses
	now     func() time.Time
	log     *slog.Logger
}

// Metrics counts what a Writer lost. Serve registers it whether or not
// enrichment is on, so that a dashboard shows 0, not "no data".
type Metrics struct {
	dropped *prometheus.CounterVec
}

// NewMetrics registers the Writer's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	return &Metrics{dropped: writebehind.NewDroppedCounter(reg, "hook_room_log_dropped_total",
		"Rooms created or dismissed (101, 102) not written to the room records enrichment reads, by reason: queue_full, redis.",
		"queue_full", "redis")}
}

// roomEvent is one RecordRoom waiting to be written.
type roomEvent struct {
	app, roomKey, what string
	at                 time.Time
}

// NewWriter returns a started Writer of s's records, counting what it
// loses in m. Close flushes it.
func NewWriter(s *Store, timeout time.Duration, now func() time.Time, m *Metrics, log *slog.Logger) *Writer {
	w := &Writer{s: s, now: now, log: log, metrics: m}
	w.q = writebehind.New(writebehind.Options{Capacity: DefaultQueue, Batch: DefaultBatch, Every: DefaultFlushEvery,
		Timeout: timeout}, w.write)
	w.q.Start()
	return w
}

// RecordRoom queues what Store.RecordRoom writes; it never waits.
func (w *Writer) RecordRoom(_ context.Context, app, roomKey, what string, at time.Time) error {
	err := w.q.Offer(roomEvent{app: app, roomKey: roomKey, what: what, at: at})
	if err == nil {
		return nil
	}
	if errors.Is(err, writebehind.ErrFull) {
		w.lost("queue_full", 1, err)
	}
	return fmt.Errorf("record room %s: %w", what, err)
}

// Close writes what is queued and stops the writer.
func (w *Writer) Close() { w.q.Close() }

// write records evs in one pipeline.
func (w *Writer) write(ctx context.Context, evs []roomEvent) error {
	_, err := w.s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, ev := range evs {
			key := w.s.key(ev.app, ev.roomKey)
			p.HSet(ctx, key, ev.what, ev.at.UnixMilli())
			p.PExpire(ctx, key, RoomTTL)
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("%w: record %d room(s): %w", alert.ErrStoreUnavailable, len(evs), err)
		w.lost("redis", len(evs), err)
	}
	return err
}

// lost counts n records lost for reason, with a warning at most every
// writebehind.LossLogEvery.
func (w *Writer) lost(reason string, n int, err error) {
	w.metrics.dropped.WithLabelValues(reason).Add(float64(n))
	if report := w.losses.Add(n, w.now()); report > 0 {
		w.log.Warn("room records: rooms created or dismissed not recorded; their pages go without what hook saw of them",
			"lost", report, "err", err)
	}
}
