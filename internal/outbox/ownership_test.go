package outbox

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestTouchKeepsOnlyWhatTheConsumerOwns: after another consumer reclaimed an
// entry (a Redis outage kept the first from refreshing it), the first
// consumer's Touch reports it lost instead of taking it back, and reports
// acknowledged entries lost too; entries it still holds are refreshed.
func TestTouchKeepsOnlyWhatTheConsumerOwns(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := newOutbox(t, rdb, "hook", 1)
		if err := enqueue(ctx, s, "a", "b", "c"); err != nil {
			t.Fatal(err)
		}
		held, err := s.Read(ctx, "A", 10, 10*time.Millisecond)
		if err != nil || len(held) != 3 {
			t.Fatalf("A read %d entries, %v; want 3", len(held), err)
		}
		a, b, c := held[0].ID, held[1].ID, held[2].ID

		// B takes a over once it has been idle long enough.
		idle := 30 * time.Millisecond
		time.Sleep(2 * idle) // stream idle times follow the clock on both backends
		if lost, err := s.Touch(ctx, "A", b, c); err != nil || len(lost) != 0 {
			t.Fatalf("A's touch of b, c = lost %v, %v; want none", lost, err)
		}
		taken, err := s.Reclaim(ctx, "B", idle, 10)
		if err != nil || len(taken) != 1 || taken[0].ID != a {
			t.Fatalf("B reclaimed %v, %v; want only a (b and c were refreshed)", taken, err)
		}
		if err := s.Ack(ctx, b); err != nil { // delivered, by whoever
			t.Fatal(err)
		}

		lost, err := s.Touch(ctx, "A", a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Sort(lost); !slices.Equal(lost, []string{a, b}) {
			t.Errorf("A's touch lost %v, want a (B owns it) and b (acknowledged): %v", lost, []string{a, b})
		}
		// A's touch did not take a back: it is still B's.
		if lost, err := s.Touch(ctx, "B", a); err != nil || len(lost) != 0 {
			t.Errorf("B's touch of a = lost %v, %v; want a still B's", lost, err)
		}
		pending, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: s.Key(), Group: "hook", Start: "-", End: "+", Count: 10}).Result()
		if err != nil {
			t.Fatal(err)
		}
		owners := map[string]string{}
		for _, p := range pending {
			owners[p.ID] = p.Consumer
		}
		if want := map[string]string{a: "B", c: "A"}; !maps(owners, want) {
			t.Errorf("pending owners %v, want %v", owners, want)
		}
	})
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
