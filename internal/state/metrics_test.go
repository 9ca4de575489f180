package state

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/outbox"
)

func newInstrumented(t *testing.T) (*wired, *miniredis.Miniredis, *prometheus.Registry) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	reg := prometheus.NewRegistry()
	NewMetrics(reg).Instrument(rdb)
	return wire(New(rdb, "hook")), mr, reg
}

func TestRedisErrorsCounted(t *testing.T) {
	s, mr, reg := newInstrumented(t)
	ctx := context.Background()
	// Answers that are not failures: a missing key, an existing group, a first script run.
	fire(t, s, "a")
	if _, err := s.Read(ctx, "c1", 1, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().XGroupCreateMkStream(ctx, outbox.Stream(s.layout.Partition(0)), "hook", "0").Err(); !redis.HasErrorPrefix(err, "BUSYGROUP") {
		t.Fatalf("the group exists: %v, want BUSYGROUP", err)
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
