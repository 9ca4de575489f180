package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
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

// hungRedis accepts connections and reads what it is sent, answering
// nothing but the handshake; it counts the scripts it was sent.
func hungRedis(t *testing.T) (addr string, scripts func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 64<<10)
				for {
					k, err := conn.Read(buf)
					got := bytes.ToLower(buf[:k])
					n.Add(int64(bytes.Count(got, []byte("evalsha"))))
					if bytes.Contains(got, []byte("hello")) { // the handshake: as an old Redis
						_, _ = conn.Write([]byte("-ERR unknown command 'hello'\r\n"))
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() int { return int(n.Load()) }
}

// With Redis hung, callbacks queue behind the pipelines in flight only up to
// a bound (then they are refused at once, 503 for TRTC to retry), and those
// whose callers gave up are dropped, not sent when a slot frees.
func TestBatcherHungRedis(t *testing.T) {
	addr, scripts := hungRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ReadTimeout: 300 * time.Millisecond, ContextTimeoutEnabled: true, Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	b := NewBatcher(rdb, 2, 300*time.Millisecond)
	defer b.Close()
	s := New(rdb, "hook").WithBatcher(b)
	fire := func(ctx context.Context, key string) error {
		_, err := s.Fire(ctx, time.Now(), []alert.Alert{plain("r", key, key)})
		return err
	}

	var leaders sync.WaitGroup
	for i := range batchSlots {
		leaders.Go(func() { _ = fire(context.Background(), fmt.Sprint("lead", i)) })
	}
	inflight := func() int { b.mu.Lock(); defer b.mu.Unlock(); return b.inflight }
	for inflight() < batchSlots {
		time.Sleep(time.Millisecond)
	}
	var waiting sync.WaitGroup
	for i := range maxQueuedBatches * b.max {
		waiting.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			if err := fire(ctx, fmt.Sprint("q", i)); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a queued callback whose caller gave up: %v", err)
			}
		})
	}
	waiting.Wait()
	if err := fire(context.Background(), "one too many"); !errors.Is(err, errBatcherFull) || !isUnavailable(err) {
		t.Errorf("past the bound: %v, want refused at once as unavailable", err)
	}
	leaders.Wait()
	for inflight() > 0 {
		time.Sleep(time.Millisecond)
	}
	if n := scripts(); n != batchSlots {
		t.Errorf("Redis was sent %d scripts, want only the %d of the callers still waiting", n, batchSlots)
	}
}
