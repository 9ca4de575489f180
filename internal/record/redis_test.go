package record

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
)

// trtcBody is a room event with what TRTC's room callbacks carry
// (trtc.io/document/39558): a UniqueId, user ids of a real app's length.
func trtcBody(rng *rand.Rand, i int, ms int64) []byte {
	user := fmt.Sprintf("user_%016x", rng.Uint64())
	room := 100000 + rng.IntN(5000)
	if i%2 == 0 {
		return fmt.Appendf(nil, `{"EventGroupId":1,"EventType":103,"CallbackTs":%d,"EventInfo":{"RoomId":%d,"EventTs":%d,"EventMsTs":%d,"UserId":%q,"UniqueId":%d,"Role":21,"TerminalType":%d,"UserType":3,"Reason":1}}`,
			ms, room, ms/1000, ms, user, rng.Int64N(1<<53), 1+rng.IntN(3))
	}
	return fmt.Appendf(nil, `{"EventGroupId":1,"EventType":104,"CallbackTs":%d,"EventInfo":{"RoomId":%d,"EventTs":%d,"EventMsTs":%d,"UserId":%q,"UniqueId":%d,"Role":21,"Reason":%d}}`,
		ms, room, ms/1000, ms, user, rng.Int64N(1<<53), 1+rng.IntN(2))
}

// TestBytesPerCallback measures what the record costs in Redis, per
// callback, with MEMORY USAGE on a real redis-server (every stream counted
// whole): the figure DefaultMaxLen's documentation gives.
func TestBytesPerCallback(t *testing.T) {
	rdb := redistest.Start(t)
	ctx := context.Background()
	for _, parts := range []int{1, 16} {
		t.Run(fmt.Sprintf("%d partitions", parts), func(t *testing.T) {
			if err := rdb.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			l := layout(t, parts)
			now := time.Now()
			w := NewWriter(rdb, l, Options{Now: func() time.Time { return now }})
			rng := rand.New(rand.NewPCG(1, 2))
			const n = 100_000
			bodyBytes := 0
			for i := range n {
				at := now.Add(time.Duration(i-n) * 10 * time.Millisecond) // a busy app: 100 a second
				b := trtcBody(rng, i, at.UnixMilli())
				bodyBytes += len(b)
				w.Record("1400000001", b, at)
				if i%DefaultBatch == DefaultBatch-1 {
					if err := w.Flush(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := w.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			var mem, kept int64
			for p := range parts {
				stream, counts, total := keys(l.Partition(p))
				for _, key := range []string{stream, counts, total} {
					m, err := rdb.MemoryUsage(ctx, key, 0).Result()
					if err != nil {
						t.Fatal(err)
					}
					mem += m
				}
				kept += int64(held(t, rdb, l, p))
			}
			if kept != n {
				t.Fatalf("%d kept of %d", kept, n)
			}
			per := float64(mem) / n
			t.Logf("%d partitions: %.0f bytes per callback in Redis for bodies of %.0f bytes on average (%d MB for %d callbacks)",
				parts, per, float64(bodyBytes)/n, mem>>20, n)
			if over := per - float64(bodyBytes)/n; over > 40 {
				t.Errorf("the record costs %.0f bytes per callback over the body: more than DefaultMaxLen's documentation says", over)
			}
		})
	}
}

// On a real redis-server the script, the ids it makes and both trims behave
// as on miniredis: MAXLEN and MINID bound the record, reads merge in order.
func TestOnRealRedis(t *testing.T) {
	rdb := redistest.Start(t)
	ctx := context.Background()
	l := layout(t, 4)
	now := t0.Add(2 * time.Hour)
	w := NewWriter(rdb, l, Options{MaxAge: time.Hour, MaxLen: 4000, Batch: 100, Now: func() time.Time { return now }})
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 20_000 { // two hours, one every 360 ms
		at := t0.Add(time.Duration(i) * 360 * time.Millisecond)
		w.Record(app, trtcBody(rng, i, at.UnixMilli()), at)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, rdb, l, Query{})
	// The age keeps the last hour (10,000), the number at most 4,000: the
	// oldest batches go whole (here of 28 callbacks, 10 s of them).
	if len(got) > 4000 || len(got) < 4000-4*28 {
		t.Fatalf("%d kept, want 4000 less at most a batch per partition", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].At.Before(got[i-1].At) {
			t.Fatalf("out of order at %d", i)
		}
	}
	w2 := NewWriter(rdb, l, Options{MaxAge: time.Hour, Now: func() time.Time { return now }})
	w2.Record(app, trtcBody(rng, 0, now.UnixMilli()), now)
	if err := w2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rdb, l, Query{To: now.Add(-time.Hour - time.Minute)}); len(got) > 0 {
		t.Errorf("%d callbacks older than the record's age kept", len(got))
	}
	for p := range 4 {
		stream, _, _ := keys(l.Partition(p))
		if ttl, _ := rdb.PTTL(ctx, stream).Result(); ttl <= 0 || ttl > time.Hour {
			t.Errorf("partition %d: TTL %v", p, ttl)
		}
	}
}

// On a three-master Redis Cluster the writer's one pipeline carries a
// script to each partition's master, and every master holds a share of
// the record; Read merges them all.
func TestOnRedisCluster(t *testing.T) {
	rdb, cluster := redistest.StartCluster(t)
	ctx := context.Background()
	l := layout(t, 16)
	w := NewWriter(rdb, l, Options{Batch: 50, Now: func() time.Time { return t0 }})
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 1600
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		w.Record(app, trtcBody(rng, i, at.UnixMilli()), at)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rdb, l, Query{}); len(got) != n {
		t.Fatalf("%d read back, want %d", len(got), n)
	}
	for m := range 3 {
		master := cluster.Master(t, m)
		var kept int
		keys, err := master.Keys(ctx, "*:record:total").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			n, _ := master.Get(ctx, k).Int()
			kept += n
		}
		if kept < n/6 {
			t.Errorf("master %d holds %d of %d callbacks: the record is not spread", m, kept, n)
		}
	}
}
