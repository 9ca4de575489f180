package outbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// TestDeadLetterAdmin runs the dead-letter scripts on miniredis and on a real
// redis-server: Lua and stream commands must behave the same on both.
func TestDeadLetterAdmin(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := newOutbox(t, rdb, "hook", 1)
		now := time.Now()
		n := alert.Notification{ID: "p-1", CreatedAt: now.Add(-2 * time.Hour), Note: "kept"}
		page, _ := n.Marshal()
		oid, err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.Key(), Values: []any{"n", page}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(ctx, "a", 10, time.Millisecond); err != nil {
			t.Fatal(err)
		}
		st, err := s.OutboxStats(ctx, now)
		if err != nil || st.Depth != 1 || st.Pending != 1 || st.DeadLetters != 0 {
			t.Fatalf("stats = %+v, %v", st, err)
		}
		if err := s.DeadLetter(ctx, alert.Delivery{ID: oid, Notification: n}, "expired"); err != nil {
			t.Fatal(err)
		}
		dls, err := s.DeadLetters(ctx, 10)
		if err != nil || len(dls) != 1 || dls[0].Reason != "expired" || dls[0].OutboxID != oid || dls[0].FailedAt.IsZero() {
			t.Fatalf("dead letters = %+v, %v", dls, err)
		}
		st, _ = s.OutboxStats(ctx, now)
		if st.Depth != 0 || st.Pending != 0 || st.DeadLetters != 1 {
			t.Fatalf("after dead letter: %+v", st)
		}

		if _, err := s.RetryDeadLetter(ctx, dls[0].ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RetryDeadLetter(ctx, dls[0].ID, now); !errors.Is(err, alert.ErrDeadLetterNotFound) {
			t.Errorf("second retry: %v, want ErrDeadLetterNotFound", err)
		}
		got, err := s.Read(ctx, "a", 10, time.Millisecond)
		if err != nil || len(got) != 1 {
			t.Fatalf("outbox after retry: %v, %v", got, err)
		}
		p, err := got[0].Notification, got[0].Err
		if err != nil || p.ID != "p-1" || p.Note != "kept" || p.Enqueued().Sub(now).Abs() > time.Millisecond {
			t.Errorf("requeued page = %+v, %v", p, err)
		}
		if err := s.DeadLetter(ctx, got[0], "again"); err != nil {
			t.Fatal(err)
		}
		dls, _ = s.DeadLetters(ctx, 10)
		if err := s.DropDeadLetter(ctx, dls[0].ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{dls[0].ID, "-", "+", "0", "x-1"} {
			if err := s.DropDeadLetter(ctx, id); !errors.Is(err, alert.ErrDeadLetterNotFound) {
				t.Errorf("drop %q: %v, want ErrDeadLetterNotFound", id, err)
			}
		}
		st, _ = s.OutboxStats(ctx, now)
		if st != (alert.OutboxStats{}) {
			t.Errorf("at the end: %+v, want all zero", st)
		}
	})
}
