package writebehind

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// sink records the batches written.
type sink struct {
	mu      sync.Mutex
	batches [][]int
}

func (s *sink) write(_ context.Context, b []int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, slices.Clone(b))
	return nil
}

func (s *sink) all() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Concat(s.batches...)
}

// Offer never waits: past Capacity it refuses with ErrFull, after Close
// with ErrClosed; Close writes everything queued, in batches of at most
// Batch, in order.
func TestQueue(t *testing.T) {
	tests := []struct {
		name    string
		started bool
	}{
		{"closed without Start (Close flushes)", false},
		{"the writer flushes on Close", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			// Every is an hour: only a full batch or Close writes.
			q := New(Options{Capacity: 10, Batch: 4, Every: time.Hour, Timeout: time.Second}, s.write)
			for i := range 10 {
				if err := q.Offer(i); err != nil {
					t.Fatalf("offer %d: %v", i, err)
				}
			}
			if err := q.Offer(10); !errors.Is(err, ErrFull) {
				t.Fatalf("offer past capacity: %v, want ErrFull", err)
			}
			if tt.started {
				q.Start()
			}
			q.Close()
			if err := q.Offer(11); !errors.Is(err, ErrClosed) {
				t.Fatalf("offer after Close: %v, want ErrClosed", err)
			}
			if got := s.all(); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
				t.Errorf("written %v", got)
			}
			for _, b := range s.batches {
				if len(b) > 4 {
					t.Errorf("a batch of %d, want at most 4", len(b))
				}
			}
			if q.Len() != 0 {
				t.Errorf("%d still queued", q.Len())
			}
		})
	}
}

// Flush returns the first error a write gave, and still writes the rest.
func TestFlushReportsTheFirstError(t *testing.T) {
	calls := 0
	boom := errors.New("boom")
	q := New(Options{Capacity: 8, Batch: 2, Every: time.Hour, Timeout: time.Second}, func(_ context.Context, b []int) error {
		calls++
		if calls == 1 {
			return boom
		}
		return nil
	})
	for i := range 5 {
		_ = q.Offer(i)
	}
	if err := q.Flush(context.Background()); !errors.Is(err, boom) {
		t.Errorf("Flush: %v, want boom", err)
	}
	if calls != 3 {
		t.Errorf("%d writes, want 3", calls)
	}
}

// Losses reports at most one line every LossLogEvery, with everything lost
// since the last one.
func TestLosses(t *testing.T) {
	var l Losses
	t0 := time.Unix(1_800_000_000, 0)
	steps := []struct {
		n    int
		at   time.Duration
		want int64
	}{
		{3, 0, 3},               // the first loss is said at once
		{2, time.Second, 0},     // then held back
		{4, 9 * time.Second, 0}, // still within LossLogEvery
		{1, LossLogEvery, 7},    // all held back since, and this one
		{5, LossLogEvery + time.Second, 0},
	}
	for i, s := range steps {
		if got := l.Add(s.n, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d: Add(%d) = %d, want %d", i, s.n, got, s.want)
		}
	}
}

// A full batch is written as soon as it waits, without the tick; items
// offered from many goroutines while the writer runs are each written once.
func TestFullBatchesGoAtOnce(t *testing.T) {
	s := &sink{}
	const offerers, each = 8, 500
	q := New(Options{Capacity: offerers * each, Batch: 10, Every: time.Hour, Timeout: time.Second}, s.write)
	q.Start()
	var wg sync.WaitGroup
	for g := range offerers {
		wg.Go(func() {
			for i := range each {
				if err := q.Offer(g*each + i); err != nil {
					t.Errorf("offer: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Every batch but the last partial one goes without the tick (an hour).
	for deadline := time.Now().Add(10 * time.Second); q.Len() >= 10; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d items still wait: full batches were not written", q.Len())
		}
	}
	q.Close()
	got := s.all()
	slices.Sort(got)
	if len(got) != offerers*each || got[0] != 0 || got[len(got)-1] != offerers*each-1 || len(slices.Compact(got)) != offerers*each {
		t.Errorf("written %d items, want each of %d once", len(got), offerers*each)
	}
}

// A burst grows the queue; once it is written, the queue lets go of it, so
// that an idle queue holds no memory for its capacity.
func TestQueueLetsGoOfABurst(t *testing.T) {
	q := New(Options{Capacity: 100_000, Batch: 16, Every: time.Hour, Timeout: time.Second}, (&sink{}).write)
	if cap(q.items) != 0 {
		t.Fatalf("a new queue holds %d slots, want none", cap(q.items))
	}
	for i := range 100_000 {
		if err := q.Offer(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if held := cap(q.items) + cap(q.spare); held != 0 || q.Len() != 0 {
		t.Errorf("after the burst: %d slots held, %d waiting; want none", held, q.Len())
	}
}

// Items the writer has taken but not yet written still count to Capacity:
// a write that hangs (Redis slow) does not let the queue grow past it.
func TestTakenItemsCountToCapacity(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	q := New(Options{Capacity: 4, Batch: 2, Every: time.Hour, Timeout: time.Second}, func(context.Context, []int) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return nil
	})
	q.Start()
	defer q.Close()
	defer close(release)
	for i := range 2 {
		if err := q.Offer(i); err != nil {
			t.Fatal(err)
		}
	}
	<-started // the writer holds items 0 and 1
	for i := 2; i < 4; i++ {
		if err := q.Offer(i); err != nil {
			t.Fatalf("offer %d: %v", i, err)
		}
	}
	if err := q.Offer(4); !errors.Is(err, ErrFull) {
		t.Errorf("offer past capacity while a write hangs: %v, want ErrFull", err)
	}
	if q.Len() != 4 {
		t.Errorf("Len %d, want 4 (2 being written, 2 waiting)", q.Len())
	}
}
