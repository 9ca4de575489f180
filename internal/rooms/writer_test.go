package rooms

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/redistest"
)

// The Writer records what Store.RecordRoom would, without the caller
// waiting: what it queued is in Redis once it flushed (at the latest when
// closed).
func TestWriterRecordsOffTheHotPath(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := New(rdb, "hook")
		w := NewWriter(s, time.Second, time.Now, NewMetrics(prometheus.NewRegistry()), slog.New(slog.DiscardHandler))
		t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		for i, what := range []string{RoomCreated, RoomDismissed} {
			if err := w.RecordRoom(ctx, "1400000001", "s:12345", what, t0.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		created, dismissed, ok, err := s.Room(ctx, "1400000001", "s:12345")
		if err != nil || !ok || !created.Equal(t0) || !dismissed.Equal(t0.Add(time.Hour)) {
			t.Errorf("room: %s, %s, %v, %v", created, dismissed, ok, err)
		}
		if ttl := rdb.PTTL(ctx, "{hook}:room:1400000001:s:12345").Val(); ttl <= 0 || ttl > RoomTTL {
			t.Errorf("TTL %s, want at most %s", ttl, RoomTTL)
		}
	})
}

// With Redis down, RecordRoom still succeeds (it only queues: a write
// would fail); the records the writer could not write are counted and
// said, once.
func TestWriterCountsWhatRedisRefused(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 50 * time.Millisecond})
	defer rdb.Close()
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	w := NewWriter(New(rdb, "hook"), 200*time.Millisecond, time.Now, NewMetrics(reg), slog.New(slog.NewTextHandler(&logs, nil)))
	start := time.Now()
	for range 3 {
		if err := w.RecordRoom(context.Background(), "1400000001", "8489", RoomCreated, start); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if n := testutil.ToFloat64(w.metrics.dropped.WithLabelValues("redis")); n != 3 {
		t.Errorf("hook_room_log_dropped_total{reason=redis} = %v, want 3", n)
	}
	if n := strings.Count(logs.String(), "rooms created or dismissed not recorded"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
}
