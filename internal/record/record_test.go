package record

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

const app = "1400000001"

// t0 is when the tests' callbacks arrive.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// roomBody is a TRTC room event (103 enter, 104 exit) as TRTC sends it:
// about 250 bytes.
func roomBody(typ, room int, user string, ms int64) []byte {
	extra := `"Reason":1,"Role":21,"TerminalType":2,"UserType":3,`
	if typ == 104 {
		extra = `"Reason":2,"Role":21,`
	}
	return fmt.Appendf(nil, `{"CallbackTs":%d,"EventGroupId":1,"EventInfo":{"EventMsTs":%d,"EventTs":%d,%s"RoomId":%d,"UserId":%q},"EventType":%d}`,
		ms, ms, ms/1000, extra, room, user, typ)
}

func layout(t testing.TB, n int) keyspace.Layout {
	t.Helper()
	l, err := keyspace.NewLayout("hook", n)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// held is how many callbacks partition p's record says it holds.
func held(t testing.TB, rdb redis.UniversalClient, l keyspace.Layout, p int) int {
	t.Helper()
	_, _, total := keys(l.Partition(p))
	n, err := rdb.Get(context.Background(), total).Int()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	return n
}

// readAll reads what q picks.
func readAll(t testing.TB, rdb redis.UniversalClient, l keyspace.Layout, q Query) []Entry {
	t.Helper()
	var out []Entry
	if err := NewReader(rdb, l, 0).Read(context.Background(), q, func(e Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every callback recorded reads back once, with its app, body and arrival
// time, in arrival order across the partitions it was dealt to, and the
// partitions hold even shares; with one partition, the single-slot layout,
// all of it is in one stream.
func TestRecordReadsBackInArrivalOrder(t *testing.T) {
	for _, parts := range []int{1, 3, 16} {
		t.Run(fmt.Sprintf("%d partitions", parts), func(t *testing.T) {
			rdb, _ := redistest.Mini(t)
			l := layout(t, parts)
			now := t0
			w := NewWriter(rdb, l, Options{Batch: 7, Now: func() time.Time { return now }})
			const n = 200
			var want []Entry
			for i := range n {
				at := t0.Add(time.Duration(i) * time.Millisecond)
				a := app
				if i%5 == 0 {
					a = "1400000002"
				}
				body := roomBody(103+i%2, 9000+i%7, fmt.Sprint("u", i), at.UnixMilli())
				w.Record(a, body, at)
				want = append(want, Entry{At: at, App: a, Body: body})
				if i%50 == 49 {
					if err := w.Flush(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
			}
			got := readAll(t, rdb, l, Query{})
			if len(got) != n {
				t.Fatalf("%d entries read back, want %d", len(got), n)
			}
			for i := range got {
				if !got[i].At.Equal(want[i].At) || got[i].App != want[i].App || !bytes.Equal(got[i].Body, want[i].Body) {
					t.Fatalf("entry %d: %v %s %s, want %v %s %s", i, got[i].At, got[i].App, got[i].Body, want[i].At, want[i].App, want[i].Body)
				}
			}
			sum := 0
			for p := range parts {
				// Batches (of 7 at most) go to the partitions in turn.
				k := held(t, rdb, l, p)
				sum += k
				if k == 0 || k > n/parts+2*7 {
					t.Errorf("partition %d holds %d of %d callbacks: not an even share", p, k, n)
				}
			}
			if sum != n {
				t.Errorf("the partitions' counts add up to %d, want %d", sum, n)
			}
		})
	}
}

// A query picks a period (both ends included), an app, a room.
func TestQueryPicks(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	l := layout(t, 4)
	w := NewWriter(rdb, l, Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	for i := range 60 { // one a second for a minute, rooms 9000..9002, two apps
		at := t0.Add(time.Duration(i) * time.Second)
		a := app
		if i%2 == 1 {
			a = "1400000002"
		}
		w.Record(a, roomBody(103, 9000+i%3, fmt.Sprint("u", i), at.UnixMilli()), at)
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    Query
		want int
	}{
		{"all", Query{}, 60},
		{"from", Query{From: t0.Add(50 * time.Second)}, 10},
		{"to, included", Query{To: t0.Add(9 * time.Second)}, 10},
		{"window", Query{From: t0.Add(10 * time.Second), To: t0.Add(19*time.Second + 999*time.Millisecond)}, 10},
		{"app", Query{App: app}, 30},
		{"room", Query{Room: "9001"}, 20},
		{"app and room", Query{App: app, Room: "9000"}, 10},
		{"unknown room", Query{Room: "1"}, 0},
		{"string room of the same digits is not asked for", Query{Room: "s:9000"}, 0},
		{"empty window", Query{From: t0.Add(2 * time.Minute)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readAll(t, rdb, l, tc.q)
			if len(got) != tc.want {
				t.Fatalf("%d callbacks, want %d", len(got), tc.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].At.Before(got[i-1].At) {
					t.Fatalf("out of order at %d", i)
				}
			}
		})
	}
}

// A batch's entry id is its first arrival; one that goes back (replicas'
// clocks, batches interleaving) takes the stream's newest time: ids only
// grow, and nothing is refused.
func TestIDsOnlyGrow(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	l := layout(t, 1)
	w := NewWriter(rdb, l, Options{Now: func() time.Time { return t0 }})
	for i, ms := range []time.Duration{5, 3, 9} {
		w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), t0.Add(ms*time.Millisecond))
		if err := w.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	stream, _, _ := keys(l.Partition(0))
	msgs, err := rdb.XRange(context.Background(), stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	base := t0.UnixMilli()
	want := []string{fmt.Sprintf("%d-0", base+5), fmt.Sprintf("%d-1", base+5), fmt.Sprintf("%d-0", base+9)}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if got := readAll(t, rdb, l, Query{}); len(got) != 3 || !got[0].At.Equal(t0.Add(3*time.Millisecond)) {
		t.Errorf("read back %d, the first at %v: want 3, each at its own arrival", len(got), got[0].At)
	}
}

// The record keeps at most MaxLen callbacks (over the partitions) and none
// older than MaxAge, exactly, and a partition nobody writes to expires
// after MaxAge.
func TestBounds(t *testing.T) {
	t.Run("number", func(t *testing.T) {
		rdb, _ := redistest.Mini(t)
		l := layout(t, 2)
		w := NewWriter(rdb, l, Options{MaxLen: 400, Batch: 10, Now: func() time.Time { return t0 }})
		for i := range 3000 {
			w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), t0)
		}
		if err := w.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := readAll(t, rdb, l, Query{})
		if len(got) != 400 || held(t, rdb, l, 0) != 200 || held(t, rdb, l, 1) != 200 {
			t.Fatalf("%d callbacks kept (%d and %d), want 400", len(got), held(t, rdb, l, 0), held(t, rdb, l, 1))
		}
		if last := got[len(got)-1]; !bytes.Contains(last.Body, []byte(`"u2999"`)) {
			t.Errorf("the newest callback is not the last recorded: %s", last.Body)
		}
	})
	t.Run("a batch larger than the bound stays", func(t *testing.T) {
		rdb, _ := redistest.Mini(t)
		l := layout(t, 1)
		w := NewWriter(rdb, l, Options{MaxLen: 5, Now: func() time.Time { return t0 }})
		for i := range 8 {
			w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), t0)
		}
		_ = w.Flush(context.Background())
		if got := readAll(t, rdb, l, Query{}); len(got) != 8 {
			t.Fatalf("%d kept: the newest batch goes whole", len(got))
		}
	})
	t.Run("age", func(t *testing.T) {
		rdb, mr := redistest.Mini(t)
		l := layout(t, 2)
		now := t0
		w := NewWriter(rdb, l, Options{MaxAge: time.Hour, Now: func() time.Time { return now }})
		for i := range 4 * 60 { // one a minute for four hours
			now = t0.Add(time.Duration(i) * time.Minute)
			w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), now)
			if err := w.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// An hour's callbacks, both ends included, are 61; a partition is
		// trimmed when it is written, so the one written a minute ago holds
		// a minute more.
		if got := readAll(t, rdb, l, Query{}); len(got) != 62 || held(t, rdb, l, 0)+held(t, rdb, l, 1) != 62 {
			t.Fatalf("%d callbacks kept, the oldest from %v: an hour's are 61, and one a minute older", len(got), got[0].At)
		}
		if got := readAll(t, rdb, l, Query{From: now.Add(-time.Hour)}); len(got) != 61 {
			t.Errorf("the last hour: %d", len(got))
		}
		for p := range 2 {
			stream, counts, total := keys(l.Partition(p))
			for _, k := range []string{stream, counts, total} {
				if ttl := mr.TTL(k); ttl <= 0 || ttl > time.Hour {
					t.Errorf("%s lives %v, want at most the record's age", k, ttl)
				}
			}
		}
		mr.FastForward(time.Hour + time.Second)
		if got := readAll(t, rdb, l, Query{}); len(got) != 0 {
			t.Errorf("%d callbacks kept an hour after the last write", len(got))
		}
		// The partition written again starts afresh.
		w.Record(app, roomBody(103, 1, "again", 0), now)
		_ = w.Flush(context.Background())
		if got := readAll(t, rdb, l, Query{}); len(got) != 1 || held(t, rdb, l, 0)+held(t, rdb, l, 1) != 1 {
			t.Errorf("%d callbacks after the record expired and one came", len(got))
		}
	})
}

// Record never waits: with the queue full it drops and counts, and a batch
// Redis does not take is counted too; a body over MaxBody is not kept.
func TestDropsAreCountedNeverWaited(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer rdb.Close()
	w := NewWriter(rdb, layout(t, 2), Options{Now: time.Now, Queue: 3, Metrics: m, Timeout: 200 * time.Millisecond})
	start := time.Now()
	for i := range 10 {
		w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), t0)
	}
	w.Record(app, make([]byte, MaxBody+1), t0)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("Record took %v with the queue full", took)
	}
	if got := testutil.ToFloat64(m.dropped[reasonQueueFull]); got != 7 {
		t.Errorf("queue_full = %v, want 7", got)
	}
	if got := testutil.ToFloat64(m.dropped[reasonTooLarge]); got != 1 {
		t.Errorf("too_large = %v, want 1", got)
	}
	redis.SetLogger(quiet{}) // go-redis's own lines about the refused dials
	mr.Close()               // Redis gone: the three queued are lost, and counted
	if err := w.Flush(context.Background()); err == nil {
		t.Error("Flush with Redis gone: no error")
	}
	if got := testutil.ToFloat64(m.dropped[reasonRedis]); got != 3 {
		t.Errorf("redis = %v, want 3", got)
	}
	if got := testutil.ToFloat64(m.written); got != 0 {
		t.Errorf("written = %v, want 0", got)
	}
	w.Close()
	w.Record(app, []byte(`{}`), t0)
	if got := testutil.ToFloat64(m.dropped[reasonClosed]); got != 1 {
		t.Errorf("closed = %v, want 1", got)
	}
}

// The running writer flushes by itself, in batches, and Close writes what
// is queued; callbacks recorded concurrently all arrive.
func TestWriterFlushesByItself(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	rdb, _ := redistest.Mini(t)
	l := layout(t, 4)
	w := NewWriter(rdb, l, Options{Now: time.Now, Batch: 16, FlushEvery: 5 * time.Millisecond, Metrics: m})
	w.Start()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 250 {
				w.Record(app, roomBody(103, g, fmt.Sprint("u", i), 0), time.Now())
			}
		})
	}
	wg.Wait()
	w.Close()
	if got := len(readAll(t, rdb, l, Query{})); got != 1000 {
		t.Errorf("%d callbacks recorded, want 1000", got)
	}
	if got := testutil.ToFloat64(m.written); got != 1000 {
		t.Errorf("written = %v, want 1000", got)
	}
}

// A script Redis forgot (a restart, a failover) is loaded again and the
// batch written.
func TestScriptReloaded(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	l := layout(t, 2)
	w := NewWriter(rdb, l, Options{Now: func() time.Time { return t0 }})
	w.Record(app, roomBody(103, 1, "a", 0), t0)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	w.Record(app, roomBody(103, 1, "b", 0), t0)
	w.Record(app, roomBody(103, 1, "c", 0), t0)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(readAll(t, rdb, l, Query{})); got != 3 {
		t.Errorf("%d callbacks, want 3", got)
	}
}

// Read stops at its callback's error and returns it.
func TestReadStopsOnError(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	l := layout(t, 2)
	w := NewWriter(rdb, l, Options{Now: func() time.Time { return t0 }})
	for i := range 5 {
		w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), t0)
	}
	_ = w.Flush(context.Background())
	stop := fmt.Errorf("enough")
	n := 0
	err := NewReader(rdb, l, 0).Read(context.Background(), Query{}, func(Entry) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("Read: %v after %d, want %v after 2", err, n, stop)
	}
}

// Reading chunk by chunk reads every callback once, however the chunks
// fall between the partitions.
func TestReadInChunks(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	l := layout(t, 3)
	w := NewWriter(rdb, l, Options{Batch: 9, Now: func() time.Time { return t0 }})
	for i := range 1000 {
		w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), t0.Add(time.Duration(i/4)*time.Millisecond))
	}
	_ = w.Flush(context.Background())
	r := NewReader(rdb, l, 0)
	r.chunk = 1
	seen := map[string]bool{}
	var last time.Time
	if err := r.Read(context.Background(), Query{}, func(e Entry) error {
		if seen[string(e.Body)] {
			t.Fatalf("read twice: %s", e.Body)
		}
		if e.At.Before(last) {
			t.Fatalf("out of order: %v after %v", e.At, last)
		}
		seen[string(e.Body)], last = true, e.At
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1000 {
		t.Errorf("%d read, want 1000", len(seen))
	}
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// A queue that held minutes of callbacks (Redis was down; or Close's last
// flush) is written as entries of at most maxSpan each, so a reader asking
// for a period finds all of it.
func TestLongQueueIsCutByTime(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	l := layout(t, 4)
	w := NewWriter(rdb, l, Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	for i := range 600 { // one a second for ten minutes, in one flush
		w.Record(app, roomBody(103, 1, fmt.Sprint("u", i), 0), t0.Add(time.Duration(i)*time.Second))
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	stream, _, _ := keys(l.Partition(0))
	if n, _ := rdb.XLen(context.Background(), stream).Result(); n < 10 {
		t.Errorf("partition 0 holds %d entries: ten minutes were not cut", n)
	}
	got := readAll(t, rdb, l, Query{From: t0.Add(9 * time.Minute), To: t0.Add(9*time.Minute + 59*time.Second)})
	if len(got) != 60 {
		t.Errorf("the ninth minute: %d callbacks, want 60", len(got))
	}
}
