package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/notify"
)

// TestDispatcherResumesWithinBackoffMaxAfterOutage: however long Slack was
// down, a channel is probed at least every BackoffMax, so its first page
// goes out within BackoffMax of the recovery and the rest follow at the
// rate limit (simulated time: the fake clock).
func TestDispatcherResumesWithinBackoffMaxAfterOutage(t *testing.T) {
	tests := []struct {
		name       string
		outage     time.Duration
		backoffMax time.Duration // 0: the default
	}{
		{"2m outage, default cap", 2 * time.Minute, 0},
		{"20m outage, default cap", 20 * time.Minute, 0},
		{"10m outage, 5s cap", 10 * time.Minute, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newMiniRig(t)
			recovery := t0.Add(tt.outage)
			r.slack.fail = func(w http.ResponseWriter, _ int, now time.Time) bool {
				if now.Before(recovery) {
					w.WriteHeader(http.StatusInternalServerError)
					return true
				}
				return false
			}
			const n = 10
			for i := range n {
				r.enqueue(page(fmt.Sprintf("p%d", i), "#oncall", ""))
			}
			cfg := r.config("a")
			cfg.BackoffMax = tt.backoffMax
			cfg.MaxAge = 24 * time.Hour
			stop := r.run(r.st, cfg)
			r.waitFor("every page", func() bool { return len(r.slack.Posts()) == n && r.depth() == 0 })
			stop()

			limit := tt.backoffMax
			if limit == 0 {
				limit = notify.DefaultBackoffMax
			}
			posts := r.slack.Posts()
			if late := posts[0].at.Sub(recovery); late > limit {
				t.Errorf("first page %s after Slack recovered, want within the %s cap", late, limit)
			}
			// Then the lane drains at its rate (1/s), not at the backoff's pace.
			if span := posts[n-1].at.Sub(posts[0].at); span > (n-1)*time.Second+time.Millisecond {
				t.Errorf("%d pages took %s after the first, want about %ds (the rate limit)", n, span, n-1)
			}
			for _, d := range r.clock.Sleeps() {
				if d > limit {
					t.Errorf("waited %s at once, over the %s cap", d, limit)
				}
			}
		})
	}
}

// TestDispatcherRetryAfterBeyondCapIsHonoured: a 429 asking for longer than
// BackoffMax is still waited out, as Slack asked.
func TestDispatcherRetryAfterBeyondCapIsHonoured(t *testing.T) {
	r := newMiniRig(t)
	var rejectedAt time.Time
	r.slack.fail = func(w http.ResponseWriter, call int, now time.Time) bool {
		if call == 1 {
			rejectedAt = now
			w.Header().Set("Retry-After", "90")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	r.enqueue(page("p1", "#oncall", ""))
	stop := r.run(r.st, r.config("a"))
	r.waitFor("the delivery", func() bool { return len(r.slack.Posts()) == 1 && r.depth() == 0 })
	stop()
	if got := r.slack.Posts()[0].at.Sub(rejectedAt); got < 90*time.Second {
		t.Errorf("retried %s after a 429 with Retry-After 90, want at least 90s (over the %s cap)", got, notify.DefaultBackoffMax)
	}
}

// touchless is an outbox whose Touch fails the first failures times, as
// while Redis is unreachable; it records how many posts Slack had taken
// when the last failure happened.
type touchless struct {
	notify.Outbox
	slack         *fakeSlack
	mu            sync.Mutex
	failures      int
	postsAtLastNo int
}

func (o *touchless) Touch(ctx context.Context, consumer string, ids ...string) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failures > 0 {
		o.failures--
		o.postsAtLastNo = len(o.slack.Posts())
		return nil, errors.New("redis: i/o timeout")
	}
	return o.Outbox.Touch(ctx, consumer, ids...)
}

// TestDispatcherHoldsPagesItCannotConfirm: while Redis cannot confirm the
// dispatcher still holds a page, the page waits; it is sent once Redis
// answers, and only then.
func TestDispatcherHoldsPagesItCannotConfirm(t *testing.T) {
	r := newMiniRig(t)
	r.enqueue(page("p1", "#oncall", ""))
	ob := &touchless{Outbox: r.st, slack: r.slack, failures: 5}
	stop := r.run(ob, r.config("a"))
	r.waitFor("the delivery", func() bool { return len(r.slack.Posts()) == 1 && r.depth() == 0 })
	stop()
	if ob.failures != 0 || ob.postsAtLastNo != 0 {
		t.Errorf("sent before its ownership was confirmed: %d posts at the last failed check, %d checks left", ob.postsAtLastNo, ob.failures)
	}
	for _, d := range r.clock.Sleeps() {
		if d > 5*time.Second {
			t.Errorf("waited %s for Redis at once, want at most 5s between checks", d)
		}
	}
}
