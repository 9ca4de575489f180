package outbox

import (
	"context"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
	"github.com/redis/go-redis/v9"
)

func TestOutboxLifecycle(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := newOutbox(t, rdb, "hook", 1)
		if err := enqueue(ctx, s, "a", "b", "c"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Read(ctx, "worker-1", 10, 10*time.Millisecond)
		if err != nil || len(got) != 3 {
			t.Fatalf("Read = %d entries, %v; want 3", len(got), err)
		}
		if p := got[0].Notification; got[0].Err != nil || p.ID != "a" || p.Receiver.Name != "oncall" {
			t.Fatalf("first entry is %+v (%v), want a for oncall (outbox order)", p, got[0].Err)
		}
		if err := s.Ack(ctx, got[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeadLetter(ctx, got[1], "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Depth(ctx); n != 1 {
			t.Fatalf("outbox depth %d after ack and dead-letter, want 1", n)
		}
		dl, _ := rdb.XRange(ctx, s.DeadLetterKey(), "-", "+").Result()
		if len(dl) != 1 || dl[0].Values["reason"] != "channel_not_found" {
			t.Fatalf("dead letters = %v", dl)
		}
		if n, err := decodeEntry(dl[0].Values); err != nil || n.ID != "b" || n.Receiver.Name != "oncall" {
			t.Fatalf("dead letter holds %+v, %v; want notification b for oncall", n, err)
		}
		// worker-1 "crashed" holding c: another worker reclaims it once idle.
		if again, _ := s.Reclaim(ctx, "worker-2", time.Hour, 10); len(again) != 0 {
			t.Fatalf("reclaimed %d entries that are not idle yet", len(again))
		}
		time.Sleep(20 * time.Millisecond)
		again, err := s.Reclaim(ctx, "worker-2", 10*time.Millisecond, 10)
		if err != nil || len(again) != 1 || again[0].ID != got[2].ID {
			t.Fatalf("Reclaim = %v, %v; want entry c", again, err)
		}
		// Touch keeps an entry from being reclaimed.
		if lost, err := s.Touch(ctx, "worker-2", again[0].ID); err != nil || len(lost) != 0 {
			t.Fatalf("Touch by the owner = lost %v, %v; want none lost", lost, err)
		}
		if stolen, _ := s.Reclaim(ctx, "worker-3", time.Second, 10); len(stolen) != 0 {
			t.Fatalf("a touched entry was reclaimed")
		}
		if more, _ := s.Read(ctx, "worker-1", 10, 10*time.Millisecond); len(more) != 0 {
			t.Fatalf("Read returned %d entries already delivered to the group", len(more))
		}
	})
}

func TestOutboxCreatedByAReadHasATTL(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := newOutbox(t, rdb, "hook", 1)
		if got, err := s.Read(ctx, "w", 10, 10*time.Millisecond); err != nil || len(got) != 0 {
			t.Fatalf("Read on a fresh Redis = %v, %v", got, err)
		}
		if ttl := rdb.PTTL(ctx, s.Key()).Val(); ttl <= 0 || ttl > TTL {
			t.Fatalf("outbox created by the consumer group has TTL %v, want (0, %v]", ttl, TTL)
		}
	})
}
