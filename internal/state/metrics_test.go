package state

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

func newInstrumented(t *testing.T) (*Redis, *miniredis.Miniredis, *prometheus.Registry) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	reg := prometheus.NewRegistry()
	NewMetrics(reg).Instrument(rdb)
	return New(rdb, "hook"), mr, reg
}

func fire(t *testing.T, s *Redis, key string) {
	t.Helper()
	if _, err := s.Fire(context.Background(), time.Now(), []alert.Alert{plain("r", key, key)}); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxCollector(t *testing.T) {
	s, _, reg := newInstrumented(t)
	ctx := context.Background()
	now := time.Now()
	reg.MustRegister(NewOutboxCollector(s, time.Second, func() time.Time { return now.Add(90 * time.Second) }))

	want := func(depth, age string) string {
		return "# HELP hook_outbox_depth Pages waiting in the outbox for delivery (including those being retried).\n# TYPE hook_outbox_depth gauge\nhook_outbox_depth " + depth + "\n" +
			"# HELP hook_outbox_oldest_age_seconds How long the oldest page in the outbox has waited; 0 when it is empty.\n# TYPE hook_outbox_oldest_age_seconds gauge\nhook_outbox_oldest_age_seconds " + age + "\n"
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want("0", "0")), "hook_outbox_depth", "hook_outbox_oldest_age_seconds"); err != nil {
		t.Error(err)
	}
	fire(t, s, "a")
	fire(t, s, "b")
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
	s, _, _ := newInstrumented(t)
	ctx := context.Background()
	fire(t, s, "a")
	fire(t, s, "b")
	fire(t, s, "c")
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

func TestRedisErrorsCounted(t *testing.T) {
	s, mr, reg := newInstrumented(t)
	ctx := context.Background()
	// Answers that are not failures: a missing key, an existing group, a first script run.
	fire(t, s, "a")
	if _, err := s.Read(ctx, "c1", 1, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.ensureGroup(ctx, s.parts[0]); err != nil {
		t.Fatal(err)
	}
	if n, _ := testutil.GatherAndCount(reg, "hook_redis_errors_total"); n != 0 {
		t.Fatalf("healthy traffic counted as %d Redis error series", n)
	}
	mr.Close()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("ping succeeded with Redis down")
	}
	if _, err := s.Depth(ctx); err == nil {
		t.Fatal("depth succeeded with Redis down")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "hook_redis_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			ops[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if ops["ping"] < 1 || ops["xlen"] < 1 {
		t.Errorf("errors by op %v, want ping and xlen counted", ops)
	}
}
