package state

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
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
)

// Concurrent callbacks share round trips and scripts through the batcher and
// each still gets its own verdicts: every distinct alert pages once, every
// repeat is a duplicate, and a script Redis forgot (SCRIPT FLUSH: a restart)
// is loaded again. On Redis Cluster the callbacks spread over 16 partitions
// on three masters.
func TestBatcherConcurrentFires(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		testConcurrentFires(t, rdb, wire(New(rdb, "hook")))
	})
	t.Run("cluster", func(t *testing.T) {
		rdb, _ := redistest.StartCluster(t)
		s, err := wireNew(rdb, "hook", Options{Partitions: 16})
		if err != nil {
			t.Fatal(err)
		}
		testConcurrentFires(t, rdb, s)
	})
}

func testConcurrentFires(t *testing.T, rdb redis.UniversalClient, s *wired) {
	ctx := context.Background()
	b := NewBatcher(rdb, 16, 0)
	defer b.Close()
	s.WithBatcher(b)
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
			v, err := s.Fire(ctx, time.Now(), []alert.Alert{inRoom(fmt.Sprint("room-", i%n%37), key)})
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
}

func TestBatcherClosed(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		b := NewBatcher(rdb, 0, 0)
		b.Close()
		s := wire(New(rdb, "hook").WithBatcher(b))
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
			s := wire(New(rdb, "hook"))
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
	var n atomic.Int64
	addr = tcpServer(t, func(conn net.Conn) {
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
	})
	return addr, func() int { return int(n.Load()) }
}

// tcpServer accepts connections on a free loopback port until the test
// ends, and hands each to handle in a goroutine of its own.
func tcpServer(t *testing.T, handle func(conn net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				handle(conn)
			}()
		}
	}()
	return ln.Addr().String()
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
	s := wire(New(rdb, "hook").WithBatcher(b))
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

// scriptCounter counts the scripts a client sends (EVALSHA and EVAL).
type scriptCounter struct{ n atomic.Int64 }

func (h *scriptCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *scriptCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}
func (h *scriptCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			h.count(c)
		}
		return next(ctx, cmds)
	}
}
func (h *scriptCounter) count(cmd redis.Cmder) {
	if name := cmd.Name(); name == "evalsha" || name == "eval" {
		h.n.Add(1)
	}
}

// inRoom is plain, about room (which decides its partition), labelled with
// its rule for silences to match.
func inRoom(room, key string) alert.Alert {
	a := plain("r", key, key)
	a.Notification.Event.App, a.Notification.Event.Room = "1400000001", room
	a.Labels = map[string]string{"rule": "r", "room": room}
	return a
}

// Callbacks sent together share one script, and each is decided as if it
// ran alone: at its own time, in its own partition, after the callbacks
// before it (a repeat in the same batch is a duplicate of the first).
//
// On Redis Cluster a script holds only keys of one slot: the callbacks of
// each partition share one, and the scripts go in one pipeline.
func TestBatcherSharedScript(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		testSharedScript(t, rdb, 1)
	})
	t.Run("cluster", func(t *testing.T) {
		rdb, _ := redistest.StartCluster(t)
		testSharedScript(t, rdb, 2)
	})
}

// testSharedScript runs TestBatcherSharedScript's batch on rdb, which must
// take scripts scripts for it.
func testSharedScript(t *testing.T, rdb redis.UniversalClient, scripts int64) {
	ctx := context.Background()
	s, err := wireNew(rdb, "hook", Options{Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	rooms := roomsInDistinctPartitions(t, s, 2)
	t0 := time.Now()
	// A silence of room A's alerts that ends a minute from now.
	if _, err := s.AddSilence(ctx, alert.Silence{Matchers: map[string]string{"room": rooms[0]}, EndsAt: t0.Add(time.Minute)}, t0); err != nil {
		t.Fatal(err)
	}
	counter := &scriptCounter{}
	rdb.AddHook(counter)
	b := NewBatcher(rdb, 0, 0)
	defer b.Close()

	cases := []struct {
		room  string
		key   string
		at    time.Time
		alert alert.Verdict
	}{
		{rooms[1], "k1", t0, alert.VerdictPaged},
		{rooms[1], "k1", t0, alert.VerdictDuplicate},                      // the same alert, in the same batch
		{rooms[1], "k1", t0.Add(2 * time.Minute), alert.VerdictPaged},     // its own time: the first claim has lapsed
		{rooms[0], "k2", t0, alert.VerdictSilenced},                       // its own partition's silence, at its time
		{rooms[0], "k3", t0.Add(2 * time.Minute), alert.VerdictPaged},     // ... which has ended by then
		{rooms[1], "k4", t0.Add(-time.Minute), alert.VerdictPaged},        // an earlier time than the first
		{rooms[0], "k4", t0.Add(-2 * time.Minute), alert.VerdictSilenced}, // the silence is active then too
	}
	batch := make([]*scriptCall, len(cases))
	for i, c := range cases {
		batch[i] = &scriptCall{ctx: ctx, call: oneCall(t, s, c.at, inRoom(c.room, c.key)), done: make(chan struct{})}
	}
	if err := fireScript.Load(ctx, rdb).Err(); err != nil {
		t.Fatal(err)
	}
	before := counter.n.Load()
	b.send(batch)
	if n := counter.n.Load() - before; n != scripts {
		t.Errorf("sent %d scripts for a batch of %d callbacks, want %d", n, len(batch), scripts)
	}
	for i, c := range cases {
		<-batch[i].done
		if batch[i].err != nil || len(batch[i].res) != 1 || verdict(batch[i].res[0]) != c.alert {
			t.Errorf("call %d (%s %s at %+v): %v, %v; want %s", i, c.room, c.key, c.at.Sub(t0), batch[i].res, batch[i].err, c.alert)
		}
	}
	// Each page is in its own partition's outbox.
	for i, want := range []int64{1, 3} {
		p := s.parts[s.layout.PartitionOf("1400000001", rooms[i])]
		if n, err := rdb.XLen(ctx, outbox.Stream(p.keys)).Result(); err != nil || n != want {
			t.Errorf("room %s's outbox holds %d, %v; want %d", rooms[i], n, err, want)
		}
	}
}

// A call whose alerts break the script it shares fails alone: the calls
// beside it, before and after, get their verdicts, and page once each.
func TestBatcherIsolatesAFailingCall(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		b := NewBatcher(rdb, 0, 0)
		defer b.Close()
		broken := inRoom("room", "broken")
		// Its dedup key is a hash (an operator's mistake): the script's GET fails.
		if err := rdb.HSet(ctx, dedupKey(s.layout.Partition(0), broken.DedupKey), "f", "v").Err(); err != nil {
			t.Fatal(err)
		}
		alerts := []alert.Alert{inRoom("room", "a"), broken, inRoom("room", "b")}
		batch := make([]*scriptCall, len(alerts))
		for i, a := range alerts {
			batch[i] = &scriptCall{ctx: ctx, call: oneCall(t, s, time.Now(), a), done: make(chan struct{})}
		}
		b.send(batch)
		for i, c := range batch {
			<-c.done
			if i == 1 {
				if c.err == nil {
					t.Errorf("the broken call: %v, want its error", c.res)
				}
				continue
			}
			// The first call ran before the script failed: alone, it finds its
			// claim taken, and its page already in the outbox.
			if c.err != nil || len(c.res) != 1 || !(verdict(c.res[0]) == alert.VerdictPaged || verdict(c.res[0]) == alert.VerdictDuplicate) {
				t.Errorf("call %d: %v, %v; want paged (or duplicate of its own page)", i, c.res, c.err)
			}
		}
		if d, err := s.Depth(ctx); err != nil || d != 2 {
			t.Errorf("outbox depth %d, %v; want the 2 pages of the good calls, once each", d, err)
		}
	})
}

// oneCall is the fire call of a callback whose alerts fire into one partition.
func oneCall(t *testing.T, s *wired, at time.Time, alerts ...alert.Alert) *fireCall {
	t.Helper()
	calls, err := s.fireCalls(at, alerts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	return calls[0]
}

// roomsInDistinctPartitions finds n rooms of app 1400000001 in n different
// partitions of s.
func roomsInDistinctPartitions(t *testing.T, s *wired, n int) []string {
	t.Helper()
	seen := map[int]bool{}
	var rooms []string
	for i := 0; len(rooms) < n && i < 1000; i++ {
		room := fmt.Sprint("room-", i)
		if p := s.layout.PartitionOf("1400000001", room); !seen[p] {
			seen[p] = true
			rooms = append(rooms, room)
		}
	}
	if len(rooms) < n {
		t.Fatalf("found rooms in %d partitions, want %d", len(rooms), n)
	}
	return rooms
}
