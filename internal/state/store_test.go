package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

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
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, ff func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
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
		ttl := rdb.PTTL(ctx, dedupKey(s.layout.Partition(0), f.DedupKey)).Val()
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

func TestUnavailable(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	s := wire(New(rdb, "hook"))
	ctx := context.Background()
	if _, err := s.Fire(ctx, time.Now(), []alert.Alert{plain("r", "k", "k")}); !isUnavailable(err) {
		t.Errorf("Fire: %v, want ErrUnavailable", err)
	}
	if err := s.Ping(ctx); !isUnavailable(err) {
		t.Errorf("Ping: %v, want ErrUnavailable", err)
	}
}

func isUnavailable(err error) bool { return errors.Is(err, alert.ErrStoreUnavailable) }

// A threshold waiting for recovery counts members while its wait runs with
// as little as it can (no trim, no TTL refresh), but a window it creates
// then, after the old one expired, still gets a TTL: at the wait's end.
func TestThresholdWaitWindowKeepsTTL(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		now := time.Now()
		away := func(user string, at time.Time) alert.Alert {
			a := plain("storm", "storm:room", "storm-room")
			a.Op, a.StateKey, a.Member, a.Count = alert.OpThreshold, "room", user, 2
			a.Within, a.For, a.EventMs = time.Minute, time.Minute, at.UnixMilli()
			return a
		}
		win := windowKey(s.layout.Partition(0), "storm", "room")
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
		// The hot path leaves the TTL to the wait's end (a write less per
		// drop): the tick gives the window made again its TTL.
		if _, err := s.Tick(ctx, now.Add(2*time.Minute), 100); err != nil {
			t.Fatal(err)
		}
		if ttl := rdb.PTTL(ctx, win).Val(); ttl <= 0 {
			t.Errorf("the window created while the wait ran has TTL %s after the wait, want one", ttl)
		}
	})
}
