package state

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// oldFormat rewrites the pending alert at key as a hook from before
// notifications travelled beside ops stored it: the notification inside the
// op, no field of its own.
func oldFormat(t *testing.T, rdb redis.UniversalClient, key string) {
	t.Helper()
	ctx := context.Background()
	h, err := rdb.HMGet(ctx, key, "op", "n").Result()
	if err != nil || h[0] == nil || h[1] == nil {
		t.Fatalf("pending alert %s: %v, %v", key, h, err)
	}
	var o op
	if err := json.Unmarshal([]byte(h[0].(string)), &o); err != nil {
		t.Fatal(err)
	}
	o.N = h[1].(string)
	raw, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, key, "op", raw).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HDel(ctx, key, "n").Err(); err != nil {
		t.Fatal(err)
	}
}

// Pending alerts an older hook stored, with the notification inside the op,
// still page when their timer fires, and still resolve when cleared after.
func TestPendingAlertsOfAnOlderHook(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		now := time.Now()
		s := wire(New(rdb, "hook"))
		pend := pendingAbout("room-1", "old-pending", now)
		pend.Notification.Title = "anchor dropped"
		if v, err := s.Fire(ctx, now, []alert.Alert{pend}); err != nil || v[0] != alert.VerdictPending {
			t.Fatalf("pending: %v, %v", v, err)
		}
		key := pendingKey(s.layout.Global(), pend.Rule, pend.StateKey)
		oldFormat(t, rdb, key)

		outs, err := s.Tick(ctx, now.Add(31*time.Second), 100)
		if err != nil || len(outs) != 1 || outs[0].Verdict != alert.VerdictPaged {
			t.Fatalf("tick: %+v, %v", outs, err)
		}
		got, err := s.Read(ctx, "c", 10, time.Millisecond)
		if err != nil || len(got) != 1 {
			t.Fatalf("read: %+v, %v", got, err)
		}
		if n := got[0].Notification; n.ID != "old-pending" || n.Title != "anchor dropped" || n.Receiver.Name != "oncall" {
			t.Fatalf("page from the old pending alert: %+v", n)
		}
		if err := s.Ack(ctx, got[0].ID); err != nil {
			t.Fatal(err)
		}

		// The page went out, and the state is still as the old hook wrote
		// it (the notification inside the op): a clear resolves it.
		if n, _ := rdb.HExists(ctx, key, "n").Result(); n {
			t.Fatal("the paged state gained a notification field")
		}
		clr := about("room-1", "back")
		clr.Op, clr.StateKey, clr.EventMs = alert.OpClear, pend.StateKey, now.Add(40*time.Second).UnixMilli()
		clr.Notification.Kind = alert.KindResolved
		if v, err := s.Fire(ctx, now.Add(40*time.Second), []alert.Alert{clr}); err != nil || v[0] != alert.VerdictResolved {
			t.Fatalf("clear: %v, %v", v, err)
		}
		got, err = s.Read(ctx, "c", 10, time.Millisecond)
		if err != nil || len(got) != 1 {
			t.Fatalf("read: %+v, %v", got, err)
		}
		if n := got[0].Notification; n.Kind != alert.KindResolved || n.ID != "old-pending" || n.ResolvedBy == nil {
			t.Fatalf("resolution of the old pending alert: %+v", n)
		}
	})
}
