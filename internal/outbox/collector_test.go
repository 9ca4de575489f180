package outbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

func newRegistered(t *testing.T) (*Outbox, *prometheus.Registry) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return newOutbox(t, rdb, "hook", 1), prometheus.NewRegistry()
}

func TestOutboxCollector(t *testing.T) {
	s, reg := newRegistered(t)
	ctx := context.Background()
	now := time.Now()
	reg.MustRegister(NewCollector(s, time.Second, func() time.Time { return now.Add(90 * time.Second) }))

	want := func(depth, age string) string {
		return "# HELP hook_outbox_depth Pages waiting in the outbox for delivery (including those being retried).\n# TYPE hook_outbox_depth gauge\nhook_outbox_depth " + depth + "\n" +
			"# HELP hook_outbox_oldest_age_seconds How long the oldest page in the outbox has waited; 0 when it is empty.\n# TYPE hook_outbox_oldest_age_seconds gauge\nhook_outbox_oldest_age_seconds " + age + "\n"
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want("0", "0")), "hook_outbox_depth", "hook_outbox_oldest_age_seconds"); err != nil {
		t.Error(err)
	}
	if err := enqueue(ctx, s, "a", "b"); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg, "hook_outbox_depth"); err != nil || n != 1 {
		t.Fatalf("depth samples %d, %v", n, err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		v := mf.GetMetric()[0].GetGauge().GetValue()
		switch mf.GetName() {
		case "hook_outbox_depth":
			if v != 2 {
				t.Errorf("depth %v, want 2", v)
			}
		case "hook_outbox_oldest_age_seconds":
			if v < 89 || v > 92 {
				t.Errorf("oldest age %vs, want about 90s", v)
			}
		}
	}
	// Read by a consumer, the pages still count: they are not delivered yet.
	if _, err := s.Read(ctx, "c1", 10, 0); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Depth(ctx); d != 2 {
		t.Errorf("depth after read %d, want 2", d)
	}
}

func TestPendingReturnsOwnUnackedEntries(t *testing.T) {
	s, _ := newRegistered(t)
	ctx := context.Background()
	if err := enqueue(ctx, s, "a", "b", "c"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read(ctx, "c1", 2, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("read: %v %v", got, err)
	}
	if err := s.Ack(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	pending, err := s.Pending(ctx, "c1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != got[1].ID || pending[0].Notification.ID != "b" {
		t.Errorf("pending for c1 = %+v, want only entry b", pending)
	}
	if other, err := s.Pending(ctx, "c2", 10); err != nil || len(other) != 0 {
		t.Errorf("pending for c2 = %v, %v; want none", other, err)
	}
}
