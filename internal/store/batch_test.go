package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// Concurrent callbacks share round trips through the batcher and each still
// gets its own verdicts: every distinct alert pages once, every repeat is a
// duplicate, and a script Redis forgot (SCRIPT FLUSH: a restart) is loaded
// again.
func TestBatcherConcurrentFires(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		b := NewBatcher(rdb, 16, 0)
		defer b.Close()
		s := New(rdb, "hook").WithBatcher(b)
		if err := rdb.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		const n = 200
		var wg sync.WaitGroup
		verdicts := make([]alert.Verdict, 2*n)
		errs := make([]error, 2*n)
		for i := range 2 * n {
			wg.Go(func() {
				key := fmt.Sprintf("k%d", i%n) // each key fired twice
				v, err := s.Fire(ctx, time.Now(), []alert.Alert{plain("r", key, key)})
				if err == nil {
					verdicts[i] = v[0]
				}
				errs[i] = err
			})
		}
		wg.Wait()
		paged, dup := 0, 0
		for i, v := range verdicts {
			if errs[i] != nil {
				t.Fatalf("fire %d: %v", i, errs[i])
			}
			switch v {
			case alert.VerdictPaged:
				paged++
			case alert.VerdictDuplicate:
				dup++
			}
		}
		if paged != n || dup != n {
			t.Errorf("paged %d, duplicate %d; want %d each", paged, dup, n)
		}
		if d, _ := s.Depth(ctx); d != n {
			t.Errorf("outbox depth %d, want %d", d, n)
		}
	})
}

func TestBatcherClosed(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		b := NewBatcher(rdb, 0, 0)
		b.Close()
		s := New(rdb, "hook").WithBatcher(b)
		if _, err := s.Fire(context.Background(), time.Now(), []alert.Alert{plain("r", "k", "k")}); !isUnavailable(err) {
			t.Errorf("fire after Close: %v, want unavailable", err)
		}
	})
}

// BenchmarkFireConcurrent measures alerting fires from many goroutines,
// one round trip each versus batched.
func BenchmarkFireConcurrent(b *testing.B) {
	for _, batched := range []bool{false, true} {
		b.Run(fmt.Sprintf("batched=%v", batched), func(b *testing.B) {
			rdb := startBenchRedis(b)
			s := New(rdb, "hook")
			if batched {
				bt := NewBatcher(rdb, 0, 0)
				defer bt.Close()
				s.WithBatcher(bt)
			}
			var i int64
			var mu sync.Mutex
			b.SetParallelism(32)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					i++
					key := fmt.Sprint("b", i)
					mu.Unlock()
					if _, err := s.Fire(context.Background(), time.Now(), []alert.Alert{plain("r", key, key)}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func startBenchRedis(b *testing.B) redis.UniversalClient {
	b.Helper()
	return redistest.Start(b)
}
