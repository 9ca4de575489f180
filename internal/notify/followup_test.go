package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/outbox"
)

// advance moves the fake clock on, as time passing between a page and its
// follow-up.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// followUps is notify.FollowUps and notify.Enricher as enrich.Pages
// behaves: a firing page's follow-up is due delay after its
// event; a follow-up is due once the clock reaches ready (a room's dismissal).
type followUps struct {
	delay time.Duration
	mu    sync.Mutex
	ready time.Time
	asked map[string]int // follow-ups asked about, by page id
}

func (f *followUps) FollowUpAt(_ context.Context, n alert.Notification, now time.Time) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n.Kind == alert.KindFollowUp {
		if f.asked == nil {
			f.asked = map[string]int{}
		}
		f.asked[n.PageID()]++
		return f.ready, true
	}
	return n.Event.Time.Add(f.delay), true
}

func (f *followUps) Enrich(_ context.Context, n alert.Notification) (*alert.Enrichment, error) {
	if n.Kind != alert.KindFollowUp {
		return &alert.Enrichment{Missing: []alert.Missing{{Data: "call_quality", Reason: "no data"}}}, nil
	}
	return &alert.Enrichment{CommID: "1400000001_4321_1795751000",
		Client: &alert.ClientInfo{Terminal: "Android", SDKVersion: "11.5.0.0", Network: "rtt max 850 ms"}}, nil
}

func followUpPage(id string) alert.Notification {
	p := page(id, "#oncall", "1400000001/4321")
	p.Event = alert.Event{App: "1400000001", Room: "4321", User: "alice", Time: t0}
	return p
}

func (r *rig) followUpConfig(consumer string, f *followUps) notify.DispatcherConfig {
	cfg := r.config(consumer)
	cfg.FollowUps, cfg.Enricher, cfg.FollowUpPoll = f, f, 5*time.Millisecond
	return cfg
}

func (r *rig) deferred() int64 {
	n, err := r.st.Deferred(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// TestFollowUpIsPostedOnceInThePagesThread: a delivered page schedules its
// follow-up in Redis; when due it is posted once, as a reply in the page's
// thread, enriched anew, and nothing is left behind.
func TestFollowUpIsPostedOnceInThePagesThread(t *testing.T) {
	r := newMiniRig(t)
	f := &followUps{delay: 5 * time.Minute}
	r.enqueue(followUpPage("p1"))
	stop := r.run(r.st, r.followUpConfig("a", f))
	defer stop()
	r.waitFor("the page and its follow-up scheduled", func() bool { return len(r.slack.Posts()) == 1 && r.deferred() == 1 })
	time.Sleep(50 * time.Millisecond) // polls that find nothing due
	if n := len(r.slack.Posts()); n != 1 {
		t.Fatalf("%d posts before the follow-up was due, want the page only", n)
	}
	r.clock.advance(5 * time.Minute)
	r.waitFor("the follow-up", func() bool { return len(r.slack.Posts()) == 2 && r.depth() == 0 && r.deferred() == 0 })
	time.Sleep(50 * time.Millisecond)
	posts := r.slack.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want the page and one follow-up", len(posts))
	}
	if posts[1].thread != posts[0].ts || posts[1].channel != "#oncall" || posts[0].thread != "" {
		t.Errorf("follow-up %+v is not a reply to the page %+v", posts[1], posts[0])
	}
}

// TestFollowUpSurvivesARestartAndReplicas: the follow-up lives in Redis, not
// in the dispatcher that delivered its page: stopped before it is due, it is
// posted by whichever replicas run then, once.
func TestFollowUpSurvivesARestartAndReplicas(t *testing.T) {
	r := newMiniRig(t)
	f := &followUps{delay: 5 * time.Minute}
	r.enqueue(followUpPage("p1"), followUpPage("p2"))
	stop := r.run(r.st, r.followUpConfig("a", f))
	r.waitFor("the pages", func() bool { return len(r.slack.Posts()) == 2 && r.deferred() == 2 })
	stop() // a deploy: the replica that scheduled them is gone

	r.clock.advance(6 * time.Minute)
	stopB := r.run(r.st, r.followUpConfig("b", f))
	stopC := r.run(r.st, r.followUpConfig("c", f))
	r.waitFor("the follow-ups", func() bool { return len(r.slack.Posts()) == 4 && r.depth() == 0 && r.deferred() == 0 })
	time.Sleep(50 * time.Millisecond)
	stopB()
	stopC()
	counts := countPosts(r.slack.Posts())
	if len(r.slack.Posts()) != 4 || counts["p1"] != 2 || counts["p2"] != 2 {
		t.Errorf("posts %v, want each page and its follow-up once", counts)
	}
}

// TestRoomFollowUpWaitsForTheDismissal: a follow-up that FollowUps says is
// not due yet (a room still open) goes back to wait, in Redis, and is posted
// once it is.
func TestRoomFollowUpWaitsForTheDismissal(t *testing.T) {
	r := newMiniRig(t)
	f := &followUps{delay: 5 * time.Minute, ready: t0.Add(20 * time.Minute)}
	p := followUpPage("p1")
	p.Aggregate = true
	r.enqueue(p)
	stop := r.run(r.st, r.followUpConfig("a", f))
	defer stop()
	r.waitFor("the page", func() bool { return len(r.slack.Posts()) == 1 && r.deferred() == 1 })
	r.clock.advance(5 * time.Minute)
	r.waitFor("the follow-up back to wait", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.asked["p1-oncall-followup"] == 1 && r.depth() == 0 && r.deferred() == 1
	})
	if n := len(r.slack.Posts()); n != 1 {
		t.Fatalf("%d posts while the room was open, want the page only", n)
	}
	r.clock.advance(15 * time.Minute)
	r.waitFor("the follow-up", func() bool { return len(r.slack.Posts()) == 2 && r.deferred() == 0 && r.depth() == 0 })
}

// TestFollowUpText is the follow-up as the console prints it: what TRTC
// reported, and what it could not report.
func TestFollowUpText(t *testing.T) {
	p := followUpPage("p1").FollowUp(t0.Add(5 * time.Minute))
	p.Title = "User left room by timeout"
	p.Enrichment = &alert.Enrichment{CommID: "1400000001_4321_1795751000",
		Client:  &alert.ClientInfo{Terminal: "Android", UserType: "Native SDK", SDKVersion: "11.5.0.0\n<!here>", Network: "rtt max 850 ms"},
		Events:  []alert.ClientEvent{{Time: t0, Table: "sdk", ID: 5005, Name: "Connection to CVM timed out"}},
		Missing: []alert.Missing{{Data: "call_detail", Reason: "AuthFailure"}}}
	got := words.RenderText(p)
	want := `[FOLLOW-UP] User left room by timeout
  Call (CommId): 1400000001_4321_1795751000
  Client: Android · Native SDK · SDK 11.5.0.0` + "\uFFFD" + `<!here> · rtt max 850 ms
  03:00:00 5005 Connection to CVM timed out
  call details unavailable: AuthFailure
  follows page p1-oncall · incident 1400000001/4321
`
	if got != want {
		t.Errorf("follow-up text\n--- got\n%s--- want\n%s", got, want)
	}
	empty := followUpPage("p2").FollowUp(t0)
	if got := words.RenderText(empty); !strings.Contains(got, "TRTC reported nothing more about this call.") {
		t.Errorf("a follow-up with nothing to say:\n%s", got)
	}
}

// crashAtAck is the outbox of a replica killed between a page's send and its
// acknowledgement: the ack never reaches Redis.
type crashAtAck struct {
	*outbox.Outbox
	kill func()
}

func (c *crashAtAck) AckDefer(context.Context, string, alert.Notification) error {
	c.kill()
	return errors.New("killed")
}

// TestFollowUpOfAPageSentTwiceIsPostedOnce: a replica killed before its ack
// leaves the page pending; the page goes out again after the restart (the
// one duplicate the README allows), but the follow-up is scheduled by the
// one ack that removes the page: it is posted once.
func TestFollowUpOfAPageSentTwiceIsPostedOnce(t *testing.T) {
	r := newMiniRig(t)
	f := &followUps{delay: 5 * time.Minute}
	r.enqueue(followUpPage("p1"))
	ctx, cancel := context.WithCancel(context.Background())
	d := notify.NewDispatcher(&crashAtAck{Outbox: r.st, kill: cancel}, r.senders, r.followUpConfig("a", f), slog.New(slog.DiscardHandler), r.clock.Now)
	_ = d.Run(ctx)
	if len(r.slack.Posts()) != 1 || r.deferred() != 0 {
		t.Fatalf("before the restart: %d posts, %d deferred", len(r.slack.Posts()), r.deferred())
	}
	stop := r.run(r.st, r.followUpConfig("a", f)) // the same replica, restarted
	defer stop()
	r.waitFor("the page again", func() bool { return len(r.slack.Posts()) == 2 && r.depth() == 0 })
	r.clock.advance(5 * time.Minute)
	r.waitFor("the follow-up", func() bool { return len(r.slack.Posts()) == 3 && r.deferred() == 0 })
	time.Sleep(50 * time.Millisecond)
	if n := len(r.slack.Posts()); n != 3 {
		t.Errorf("%d posts, want the page twice and its follow-up once", n)
	}
}
