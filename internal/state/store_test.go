package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// backends runs a test against miniredis and against a real redis-server, so
// the Lua scripts are proven on the real thing, not only on the emulator.
func backends(t *testing.T, test func(t *testing.T, rdb redis.UniversalClient, fastForward func(time.Duration))) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		test(t, rdb, mr.FastForward)
	})
	t.Run("redis-server", func(t *testing.T) {
		rdb := redistest.Start(t)
		test(t, rdb, nil)
	})
}

// plain is a page alert for rule with dedup key key, whose notification has
// id id and goes to one receiver per name (default "oncall").
func plain(rule, key, id string, receivers ...string) alert.Alert {
	if len(receivers) == 0 {
		receivers = []string{"oncall"}
	}
	a := alert.Alert{Op: alert.OpPage, Rule: rule, DedupKey: key, Window: time.Minute,
		Notification: alert.Notification{ID: id, Kind: alert.KindFiring, Rule: rule}}
	for _, r := range receivers {
		a.Receivers = append(a.Receivers, alert.Receiver{Name: r, Kind: alert.ReceiverConsole})
	}
	return a
}

func TestFireClaimsOnceAndEnqueues(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, ff func(time.Duration)) {
		ctx := context.Background()
		s := New(rdb, "hook")
		f := plain("r", "r:app/room/user/104", "p", "oncall", "console")
		other := plain("s", "s:x", "p3")

		fired, err := s.Fire(ctx, time.Now(), []alert.Alert{f, other})
		if err != nil || !fired[0].Sent() || !fired[1].Sent() {
			t.Fatalf("first Fire = %v, %v; want both new", fired, err)
		}
		fired, err = s.Fire(ctx, time.Now(), []alert.Alert{f})
		if err != nil || fired[0] != alert.VerdictDuplicate {
			t.Fatalf("second Fire = %v, %v; want duplicate", fired, err)
		}
		if n, _ := s.Depth(ctx); n != 3 {
			t.Fatalf("outbox depth %d, want 3 (2 pages + 1, none for the duplicate)", n)
		}
		ttl := rdb.PTTL(ctx, s.layout.Partition(0).Dedup(f.DedupKey)).Val()
		if ttl <= 0 || ttl > time.Minute {
			t.Fatalf("dedup key TTL %v, want (0, 1m]", ttl)
		}
		if ff != nil {
			ff(61 * time.Second)
			if fired, _ := s.Fire(ctx, time.Now().Add(61*time.Second), []alert.Alert{f}); !fired[0].Sent() {
				t.Fatal("after the window the same firing should page again")
			}
		}
	})
}

func TestOutboxLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := New(rdb, "hook")
		for _, id := range []string{"a", "b", "c"} {
			if _, err := s.Fire(ctx, time.Now(), []alert.Alert{plain("r", id, id)}); err != nil {
				t.Fatal(err)
			}
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

func TestUnavailable(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	s := New(rdb, "hook")
	ctx := context.Background()
	if _, err := s.Fire(ctx, time.Now(), []alert.Alert{plain("r", "k", "k")}); !isUnavailable(err) {
		t.Errorf("Fire: %v, want ErrUnavailable", err)
	}
	if err := s.Ping(ctx); !isUnavailable(err) {
		t.Errorf("Ping: %v, want ErrUnavailable", err)
	}
}

func isUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

func TestOutboxCreatedByAReadHasATTL(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := New(rdb, "hook")
		if got, err := s.Read(ctx, "w", 10, 10*time.Millisecond); err != nil || len(got) != 0 {
			t.Fatalf("Read on a fresh Redis = %v, %v", got, err)
		}
		if ttl := rdb.PTTL(ctx, s.OutboxKey()).Val(); ttl <= 0 || ttl > OutboxTTL {
			t.Fatalf("outbox created by the consumer group has TTL %v, want (0, %v]", ttl, OutboxTTL)
		}
	})
}

// A threshold waiting for recovery counts members while its wait runs with
// as little as it can (no trim, no TTL refresh), but a window it creates
// then, after the old one expired, still gets a TTL.
func TestThresholdWaitWindowKeepsTTL(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := New(rdb, "hook")
		now := time.Now()
		away := func(user string, at time.Time) alert.Alert {
			a := plain("storm", "storm:room", "storm-room")
			a.Op, a.StateKey, a.Member, a.Count = alert.OpThreshold, "room", user, 2
			a.Within, a.For, a.EventMs = time.Minute, time.Minute, at.UnixMilli()
			return a
		}
		win := s.layout.Partition(0).Window("storm", "room")
		steps := []struct {
			user string
			at   time.Time
			want alert.Verdict
		}{
			{"u1", now, alert.VerdictCounted},
			{"u2", now.Add(time.Second), alert.VerdictPending}, // the wait opens
			{"u3", now.Add(2 * time.Second), alert.VerdictPending},
			{"u3", now.Add(2 * time.Second), alert.VerdictDuplicate},
			{"u0", now.Add(-2 * time.Minute), alert.VerdictIgnored}, // before the window
		}
		for i, st := range steps {
			v, err := s.Fire(ctx, now, []alert.Alert{away(st.user, st.at)})
			if err != nil || v[0] != st.want {
				t.Fatalf("step %d (%s): %v, %v; want %s", i, st.user, v, err, st.want)
			}
		}
		if n := rdb.ZCard(ctx, win).Val(); n != 3 {
			t.Errorf("window holds %d members, want 3", n)
		}
		rdb.Del(ctx, win) // as if it had expired while the wait ran
		if v, err := s.Fire(ctx, now, []alert.Alert{away("u4", now.Add(3*time.Second))}); err != nil || v[0] != alert.VerdictPending {
			t.Fatalf("u4: %v, %v; want pending", v, err)
		}
		if ttl := rdb.PTTL(ctx, win).Val(); ttl <= 0 {
			t.Errorf("the window created while the wait ran has TTL %s, want one", ttl)
		}
	})
}
