package rooms

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/redistest"
)

// TestRoomRecordsAreKeyedByRoomKey: a string room and the numeric room of the
// same digits keep separate records; a numeric room's key is its id, as
// before, so its older records still read.
func TestRoomRecordsAreKeyedByRoomKey(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := New(rdb, "hook")
		t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		if err := s.RecordRoom(ctx, "1400000001", "s:12345", RoomCreated, t0); err != nil {
			t.Fatal(err)
		}
		// A numeric room recorded by a hook from before: the same key as now.
		rdb.HSet(ctx, "{hook}:room:1400000001:12345", RoomCreated, t0.Add(time.Hour).UnixMilli())
		if err := s.RecordRoom(ctx, "1400000001", "12345", RoomDismissed, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		created, dismissed, ok, err := s.Room(ctx, "1400000001", "s:12345")
		if err != nil || !ok || !created.Equal(t0) || !dismissed.IsZero() {
			t.Errorf("string room: %s, %s, %v, %v", created, dismissed, ok, err)
		}
		created, dismissed, ok, err = s.Room(ctx, "1400000001", "12345")
		if err != nil || !ok || !created.Equal(t0.Add(time.Hour)) || !dismissed.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("numeric room: %s, %s, %v, %v", created, dismissed, ok, err)
		}
		if _, _, ok, err := s.Room(ctx, "1400000001", "s:999"); ok || err != nil {
			t.Errorf("a room never seen: ok %v, %v", ok, err)
		}
		if ttl := rdb.PTTL(ctx, "{hook}:room:1400000001:s:12345").Val(); ttl <= 0 || ttl > RoomTTL {
			t.Errorf("room record TTL %s", ttl)
		}
	})
}
