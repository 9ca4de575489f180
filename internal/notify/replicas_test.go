package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
)

// outage is Redis unreachable for one replica.
type outage struct{ down atomic.Bool }

var errRedisDown = errors.New("redis: connection refused (simulated outage)")

// outageOutbox is one replica's view of the outbox: every call fails while
// the outage lasts. It records the pages whose Ack failed: the only ones the
// README allows to be delivered twice (a send whose outcome Redis never learnt).
type outageOutbox struct {
	*outbox.Outbox
	o         *outage
	mu        sync.Mutex
	ackFailed map[string]bool
}

func (f *outageOutbox) fail() error {
	if f.o.down.Load() {
		return errRedisDown
	}
	return nil
}

func (f *outageOutbox) Read(ctx context.Context, consumer string, count int, block time.Duration) ([]alert.Delivery, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Outbox.Read(ctx, consumer, count, block)
}

func (f *outageOutbox) Reclaim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]alert.Delivery, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Outbox.Reclaim(ctx, consumer, minIdle, count)
}

func (f *outageOutbox) Touch(ctx context.Context, consumer string, ids ...string) ([]string, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Outbox.Touch(ctx, consumer, ids...)
}

func (f *outageOutbox) Ack(ctx context.Context, id string) error {
	if err := f.fail(); err != nil {
		f.mu.Lock()
		f.ackFailed[id] = true
		f.mu.Unlock()
		return err
	}
	return f.Outbox.Ack(ctx, id)
}

func (f *outageOutbox) DeadLetter(ctx context.Context, d alert.Delivery, reason string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Outbox.DeadLetter(ctx, d, reason)
}

func (f *outageOutbox) Pending(ctx context.Context, consumer string, count int) ([]alert.Delivery, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Outbox.Pending(ctx, consumer, count)
}

// TestReplicasAfterRedisOutageSendEachPageOnce is issue 11's duplicate
// pages, scaled down: two replicas share one real redis-server and hold
// pages behind their channels' rate limits when Redis goes away for longer
// than ReclaimIdle. Afterwards each takes over what the other left idle; a
// replica must send only what it still holds and drop what it lost, so every
// page is delivered, and delivered twice only if its Ack failed (the outcome
// Redis never learnt). The clock is real but every duration is scaled down
// (ReclaimIdle 600 ms, an outage of 1.5 of it); nothing asserted depends on
// timing, only on what Slack received.
func TestReplicasAfterRedisOutageSendEachPageOnce(t *testing.T) {
	tests := []struct {
		name      string
		cutOff    []bool // per replica: does it lose Redis?
		slackDown bool   // Slack fails too: the replicas hold their pages through the outage
	}{
		{"redis down for both", []bool{true, true}, false},
		{"redis and slack down for both", []bool{true, true}, true},
		// While replica-0 is cut off, replica-1 takes its pages over; when
		// replica-0 is back it must not take them back nor send them.
		{"one replica cut off", []bool{true, false}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			replicasThroughOutage(t, tt.cutOff, tt.slackDown)
		})
	}
}

func replicasThroughOutage(t *testing.T, cutOff []bool, slackDown bool) {
	rdb := redistest.Start(t)
	r := newRig(t, rdb, nil)
	const pages, channels = 60, 4
	var out, none outage
	r.slack.fail = func(w http.ResponseWriter, _ int, _ time.Time) bool {
		if slackDown && out.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	var outboxes []*outageOutbox
	for _, cut := range cutOff {
		o := &none
		if cut {
			o = &out
		}
		outboxes = append(outboxes, &outageOutbox{Outbox: r.st, o: o, ackFailed: map[string]bool{}})
	}
	var stops []func()
	for i, ob := range outboxes {
		cfg := notify.DispatcherConfig{Consumer: fmt.Sprintf("replica-%d", i), Block: 20 * time.Millisecond,
			ReclaimIdle: 600 * time.Millisecond, PerChannel: rate.Limit(8), MaxInFlight: 24,
			BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, MaxAge: time.Hour, Metrics: r.m}
		d := notify.NewDispatcher(ob, r.senders, cfg, slog.New(slog.DiscardHandler), time.Now)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = d.Run(ctx) }()
		stops = append(stops, func() { cancel(); <-done })
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()

	for i := range pages {
		p := page(fmt.Sprintf("p%02d", i), fmt.Sprintf("#c%d", i%channels), "")
		p.CreatedAt = time.Now()
		r.enqueue(p)
	}
	r.waitFor("both replicas to start sending", func() bool { return len(r.slack.Posts()) >= 4 })
	out.down.Store(true)
	time.Sleep(900 * time.Millisecond) // 1.5 x ReclaimIdle: held pages go idle past it
	out.down.Store(false)
	deadline := time.Now().Add(30 * time.Second)
	for r.depth() > 0 || len(r.slack.Posts()) < pages {
		if time.Now().After(deadline) {
			t.Fatalf("after the outage: %d pages still in the outbox, %d posts", r.depth(), len(r.slack.Posts()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, stop := range stops {
		stop()
	}
	stops = nil

	unknown := map[string]bool{} // pages whose send Redis never learnt of
	for _, ob := range outboxes {
		for id := range ob.ackFailed {
			unknown[id] = true
		}
	}
	counts := countPosts(r.slack.Posts())
	dups := 0
	for i := range pages {
		id := fmt.Sprintf("p%02d", i)
		n := counts[id]
		if n == 0 {
			t.Errorf("%s never delivered", id)
		}
		dups += max(n-1, 0)
		// A second post only after a send whose Ack failed in the outage.
		if allowed := 1 + len(outboxes)*boolInt(unknown[id]); n > allowed {
			t.Errorf("%s posted %d times; its Ack failed: %v", id, n, unknown[id])
		}
	}
	t.Logf("%d pages, %d duplicates, %d sends whose Ack failed in the outage", pages, dups, len(unknown))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
