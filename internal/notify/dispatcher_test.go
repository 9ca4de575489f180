package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/notify"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/threads"
)

// t0 is when every test's pages are made; the fake clock starts there.
var t0 = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

// fakeClock is the dispatcher's time: Sleep advances it instead of waiting,
// so a 30-minute outage or a 500-page rate-limited burst costs no real time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return true
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// post is one chat.postMessage the fake Slack accepted.
type post struct {
	channel, page string
	at            time.Time // on the fake clock
	ts, thread    string    // the message's ts, and its parent's when a reply
}

// fakeSlack answers the Web API; fail decides per call whether to fail it
// (it writes the failure and returns true). Pages carry their ID as title, so
// the fallback text "[WARNING] <id>" tells which page a post is.
type fakeSlack struct {
	mu    sync.Mutex
	clock *fakeClock
	calls int
	posts []post
	ts    int
	fail  func(w http.ResponseWriter, call int, now time.Time) bool
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	if method == "chat.postMessage" {
		f.calls++
		if f.fail != nil && f.fail(w, f.calls, now) {
			return
		}
	}
	f.ts++
	ts := r.PostForm.Get("ts")
	if ts == "" {
		ts = fmt.Sprintf("1795751352.%06d", f.ts)
	}
	if method == "chat.postMessage" {
		fields := strings.Fields(r.PostForm.Get("text"))
		f.posts = append(f.posts, post{channel: r.PostForm.Get("channel"), page: fields[1], at: now, ts: ts, thread: r.PostForm.Get("thread_ts")})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": r.PostForm.Get("channel"), "ts": ts})
}

func (f *fakeSlack) Posts() []post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]post(nil), f.posts...)
}

func (f *fakeSlack) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func slackError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
}

// recorder is a Sender that keeps what it was given (the console stand-in).
type recorder struct {
	mu    sync.Mutex
	pages []alert.Notification
	err   error
}

func (r *recorder) Send(_ context.Context, p alert.Notification) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages = append(r.pages, p)
	return false, r.err
}

func (r *recorder) Pages() []alert.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]alert.Notification(nil), r.pages...)
}

// rig is one dispatcher test: a fake Slack behind the real SlackAPI sender,
// the real Redis outbox, and a fake clock.
type rig struct {
	t       *testing.T
	rdb     redis.UniversalClient
	mr      *miniredis.Miniredis // nil on real Redis
	st      *outbox.Outbox
	clock   *fakeClock
	slack   *fakeSlack
	console *recorder
	senders map[alert.ReceiverKind]notify.Sender
	metrics *prometheus.Registry
	m       *notify.Metrics // registered on metrics once, shared by every dispatcher of the rig
}

func newRig(t *testing.T, rdb redis.UniversalClient, mr *miniredis.Miniredis) *rig {
	t.Helper()
	clock := &fakeClock{now: t0}
	fs := &fakeSlack{clock: clock}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	client := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"))
	api := slacknotify.NewAPI(client, threads.New(rdb, "hook", slacknotify.DefaultThreadTTL), nil)
	console := &recorder{}
	reg := prometheus.NewRegistry()
	return &rig{t: t, rdb: rdb, mr: mr, st: outbox.New(rdb, singleSlot(), outbox.Options{}), clock: clock, slack: fs, console: console,
		metrics: reg, m: notify.NewMetrics(reg),
		senders: map[alert.ReceiverKind]notify.Sender{alert.ReceiverSlack: api, alert.ReceiverConsole: console}}
}

func newMiniRig(t *testing.T) *rig {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return newRig(t, rdb, mr)
}

// page makes a page for channel whose title is its id.
func page(id, channel, incident string) alert.Notification {
	return alert.Notification{ID: id, Kind: alert.KindFiring, Rule: "r", Severity: alert.SeverityWarning, Title: id,
		Incident: incident, Count: 1, CreatedAt: t0,
		Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: channel}}
}

func (r *rig) enqueue(ps ...alert.Notification) {
	r.t.Helper()
	for _, p := range ps {
		b, err := p.Marshal()
		if err != nil {
			r.t.Fatal(err)
		}
		if err := r.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: r.st.Key(), Values: []any{"n", b}}).Err(); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *rig) config(consumer string) notify.DispatcherConfig {
	return notify.DispatcherConfig{Consumer: consumer, Block: 10 * time.Millisecond, ReclaimIdle: time.Minute,
		Sleep: r.clock.Sleep, Metrics: r.m}
}

// deadLetterCount reads hook_dead_letters_total{reason} from the rig's registry.
func (r *rig) deadLetterCount(reason string) float64 {
	mfs, err := r.metrics.Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "hook_dead_letters_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// run starts a dispatcher on outbox and returns a stop that cancels it and
// waits for it to return.
func (r *rig) run(outbox notify.Outbox, cfg notify.DispatcherConfig) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	d := notify.NewDispatcher(outbox, r.senders, cfg, slog.New(slog.DiscardHandler), r.clock.Now)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// waitFor polls cond; the deadline only guards against a hung test and is
// never part of what is asserted.
func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (r *rig) depth() int64 {
	n, err := r.st.Depth(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r *rig) deadLetters() []redis.XMessage {
	msgs, err := r.rdb.XRange(context.Background(), r.st.DeadLetterKey(), "-", "+").Result()
	if err != nil {
		r.t.Fatal(err)
	}
	return msgs
}

// countPosts maps page id to how many times Slack accepted it.
func countPosts(ps []post) map[string]int {
	n := map[string]int{}
	for _, p := range ps {
		n[p.page]++
	}
	return n
}

func TestDispatcherRetryAfterIsWaitedOut(t *testing.T) {
	r := newMiniRig(t)
	r.slack.fail = func(w http.ResponseWriter, call int, _ time.Time) bool {
		if call == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	r.enqueue(page("p1", "#oncall", ""))
	stop := r.run(r.st, r.config("a"))
	r.waitFor("the delivery", func() bool { return len(r.slack.Posts()) == 1 && r.depth() == 0 })
	stop()

	if got := r.slack.Calls(); got != 2 {
		t.Errorf("Slack saw %d posts, want 2 (429, then the delivery)", got)
	}
	waited := false
	for _, d := range r.clock.Sleeps() {
		waited = waited || d >= 2*time.Second
	}
	if !waited {
		t.Errorf("no wait of at least Retry-After 2s; waits: %v", r.clock.Sleeps())
	}
	if n := countPosts(r.slack.Posts())["p1"]; n != 1 {
		t.Errorf("p1 delivered %d times, want once", n)
	}
}

func TestDispatcherRetries5xx(t *testing.T) {
	for _, backend := range []string{"miniredis", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var r *rig
			if backend == "redis" {
				r = newRig(t, redistest.Start(t), nil)
			} else {
				r = newMiniRig(t)
			}
			r.slack.fail = func(w http.ResponseWriter, call int, _ time.Time) bool {
				if call <= 5 {
					w.WriteHeader(http.StatusInternalServerError)
					return true
				}
				return false
			}
			r.enqueue(page("p1", "#oncall", ""))
			stop := r.run(r.st, r.config("a"))
			r.waitFor("the delivery", func() bool { return len(r.slack.Posts()) == 1 && r.depth() == 0 })
			stop()
			if got := r.slack.Calls(); got != 6 {
				t.Errorf("Slack saw %d posts, want 6 (5 x 500, then the delivery)", got)
			}
			if n := countPosts(r.slack.Posts())["p1"]; n != 1 {
				t.Errorf("p1 delivered %d times, want once", n)
			}
			if dl := r.deadLetters(); len(dl) != 0 {
				t.Errorf("dead letters: %v", dl)
			}
			// Backoff doubles from 1s with jitter in the upper half of each
			// step: the five waits add up to at least 0.5+1+2+4+8 s.
			if waited := r.clock.Now().Sub(t0); waited < 15500*time.Millisecond {
				t.Errorf("retried within %s of simulated time; backoff too short", waited)
			}
		})
	}
}

func TestDispatcherPermanentErrorDeadLettersAtOnce(t *testing.T) {
	for _, backend := range []string{"miniredis", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var r *rig
			if backend == "redis" {
				r = newRig(t, redistest.Start(t), nil)
			} else {
				r = newMiniRig(t)
			}
			r.slack.fail = func(w http.ResponseWriter, _ int, _ time.Time) bool {
				slackError(w, "channel_not_found")
				return true
			}
			r.enqueue(page("p1", "#gone", ""))
			cfg := r.config("a")
			stop := r.run(r.st, cfg)
			r.waitFor("the dead letter", func() bool { return len(r.deadLetters()) == 1 })
			stop()

			if got := r.slack.Calls(); got != 1 {
				t.Errorf("Slack saw %d posts, want 1 (no retry of a permanent error)", got)
			}
			if r.depth() != 0 {
				t.Errorf("outbox still holds %d pages", r.depth())
			}
			dl := r.deadLetters()[0].Values
			if reason, _ := dl["reason"].(string); !strings.Contains(reason, "channel_not_found") {
				t.Errorf("reason = %q, want channel_not_found", reason)
			}
			p, err := alert.UnmarshalNotification([]byte(dl["n"].(string)))
			if err != nil || p.ID != "p1" {
				t.Errorf("dead letter page = %+v, %v", p, err)
			}
			if n := r.deadLetterCount(notify.DeadRejected); n != 1 {
				t.Errorf("hook_dead_letters_total{reason=permanent} = %v, want 1", n)
			}
			if len(r.clock.Sleeps()) != 0 {
				t.Errorf("waited %v before dead-lettering", r.clock.Sleeps())
			}
		})
	}
}

func TestDispatcherOutageThenRecoveryKeepsOrder(t *testing.T) {
	r := newMiniRig(t)
	recovery := t0.Add(30 * time.Minute)
	r.slack.fail = func(w http.ResponseWriter, _ int, now time.Time) bool {
		if now.Before(recovery) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	var want = map[string][]string{}
	for i := range 12 {
		ch := []string{"C1", "C2"}[i%2]
		id := fmt.Sprintf("p%02d", i)
		r.enqueue(page(id, ch, fmt.Sprintf("room-%d", i%4)))
		want[ch] = append(want[ch], id)
	}
	stop := r.run(r.st, r.config("a"))
	r.waitFor("every page", func() bool { return len(r.slack.Posts()) == 12 && r.depth() == 0 })
	stop()

	got := map[string][]string{}
	for _, p := range r.slack.Posts() {
		if p.at.Before(recovery) {
			t.Errorf("%s accepted at %s, during the outage", p.page, p.at)
		}
		got[p.channel] = append(got[p.channel], p.page)
	}
	for ch := range want {
		if fmt.Sprint(got[ch]) != fmt.Sprint(want[ch]) {
			t.Errorf("channel %s got %v, want in order %v", ch, got[ch], want[ch])
		}
	}
	if dl := r.deadLetters(); len(dl) != 0 {
		t.Errorf("dead letters after a 30-minute outage: %v", dl)
	}
}

// crashingOutbox simulates a worker killed between send and ack: its first
// Ack kills the dispatcher and never reaches Redis.
type crashingOutbox struct {
	notify.Outbox
	kill func()
	once sync.Once
}

func (c *crashingOutbox) Ack(ctx context.Context, id string) error {
	crashed := false
	c.once.Do(func() { crashed = true; c.kill() })
	if crashed {
		return errors.New("killed")
	}
	return c.Outbox.Ack(ctx, id)
}

func TestDispatcherCrashBetweenSendAndAckRedelivers(t *testing.T) {
	r := newMiniRig(t)
	r.enqueue(page("p1", "#oncall", ""))

	ctx, cancel := context.WithCancel(context.Background())
	a := notify.NewDispatcher(&crashingOutbox{Outbox: r.st, kill: cancel}, r.senders, r.config("a"),
		slog.New(slog.DiscardHandler), r.clock.Now)
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(r.slack.Posts()); n != 1 || r.depth() != 1 {
		t.Fatalf("after the crash: %d posts and %d pages in the outbox, want 1 and 1", n, r.depth())
	}

	// Another replica starts once the entry has been idle past ReclaimIdle.
	r.mr.SetTime(time.Now().Add(time.Hour))
	stop := r.run(r.st, r.config("b"))
	r.waitFor("the redelivery", func() bool { return r.depth() == 0 })
	stop()
	if n := countPosts(r.slack.Posts())["p1"]; n < 1 || n > 2 {
		t.Errorf("p1 delivered %d times, want at least once and at most twice", n)
	}
}

func TestDispatcherBurstRespectsRateLimit(t *testing.T) {
	r := newMiniRig(t)
	const n = 500
	for i := range n {
		r.enqueue(page(fmt.Sprintf("p%03d", i), "#oncall", ""))
	}
	cfg := r.config("a")
	cfg.Flood.Off = true // every page one by one: this is about the rate, flood_test.go about digests
	stop := r.run(r.st, cfg)
	r.waitFor("every page", func() bool { return len(r.slack.Posts()) == n && r.depth() == 0 })
	stop()

	posts := r.slack.Posts()
	perSecond := map[int64]int{}
	for i, p := range posts {
		if want := fmt.Sprintf("p%03d", i); p.page != want {
			t.Fatalf("post %d is %s, want %s (order or loss)", i, p.page, want)
		}
		perSecond[p.at.Unix()]++
	}
	for sec, c := range perSecond {
		if c > 1 {
			t.Errorf("%d posts in the second starting %s; the limit is 1/s", c, time.Unix(sec, 0).UTC())
		}
	}
	if span := posts[n-1].at.Sub(posts[0].at); span < (n-1)*time.Second {
		t.Errorf("%d posts within %s of simulated time", n, span)
	}
}

func TestDispatcherMaxAgeDeadLettersAndFallsBack(t *testing.T) {
	tests := []struct {
		name        string
		fallbackErr error
	}{
		{"fallback delivers", nil},
		{"fallback fails once, no loop", errors.New("stdout closed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newMiniRig(t)
			r.console.err = tt.fallbackErr
			r.slack.fail = func(w http.ResponseWriter, _ int, _ time.Time) bool {
				w.WriteHeader(http.StatusBadGateway)
				return true
			}
			r.enqueue(page("p1", "#oncall", ""))
			cfg := r.config("a")
			cfg.MaxAge = 10 * time.Minute
			cfg.Fallback = &alert.Receiver{Name: "console", Kind: alert.ReceiverConsole}
			stop := r.run(r.st, cfg)
			r.waitFor("the dead letter", func() bool { return len(r.deadLetters()) == 1 && len(r.console.Pages()) == 1 })
			stop()

			if r.depth() != 0 {
				t.Errorf("outbox still holds %d pages", r.depth())
			}
			reason, _ := r.deadLetters()[0].Values["reason"].(string)
			if !strings.HasPrefix(reason, "expired") {
				t.Errorf("reason = %q, want expired", reason)
			}
			if late := r.clock.Now().Sub(t0); late > 11*time.Minute {
				t.Errorf("dead-lettered %s after creation; max age is 10m", late)
			}
			fb := r.console.Pages()
			if len(fb) != 1 || fb[0].ID != "p1" || fb[0].Receiver.Name != "console" ||
				!strings.HasPrefix(fb[0].Note, "undelivered to oncall: expired") {
				t.Errorf("fallback got %+v", fb)
			}
			if n := r.deadLetterCount(notify.DeadExpired); n != 1 {
				t.Errorf("hook_dead_letters_total{reason=expired} = %v, want 1", n)
			}
		})
	}
}

// stuckSender hangs every send until released: Slack not answering.
type stuckSender struct {
	release     chan struct{}
	mu          sync.Mutex
	inFlight    int
	maxInFlight int
}

func (s *stuckSender) Send(context.Context, alert.Notification) (bool, error) {
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	<-s.release
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
	return true, errors.New("slack is not answering")
}

func (s *stuckSender) max() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// TestDispatcherMemoryIsBounded: with Slack hanging and a backlog far larger
// than MaxInFlight, the dispatcher holds at most MaxInFlight pages in memory
// (one per lane here, every page on its own channel); the rest wait in Redis.
func TestDispatcherMemoryIsBounded(t *testing.T) {
	r := newMiniRig(t)
	const backlog, limit = 300, 16
	for i := range backlog {
		r.enqueue(page(fmt.Sprintf("p%d", i), fmt.Sprintf("#c%d", i), fmt.Sprintf("inc%d", i)))
	}
	stuck := &stuckSender{release: make(chan struct{})}
	r.senders[alert.ReceiverSlack] = stuck
	cfg := r.config("w1")
	cfg.MaxInFlight = limit
	cfg.MaxAge = 1000 * time.Hour // retries after the release must not expire anything
	stop := r.run(r.st, cfg)
	r.waitFor("the dispatcher to fill its slots", func() bool { return stuck.max() == limit })
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	close(stuck.release) // the hung sends fail; the stopping dispatcher leaves their pages queued
	<-stopped
	if got := stuck.max(); got != limit {
		t.Errorf("at most %d pages were in flight, want exactly the limit %d", got, limit)
	}
	if d := r.depth(); d != backlog {
		t.Errorf("outbox holds %d pages after the stop, want all %d (nothing delivered, nothing lost)", d, backlog)
	}
}

// singleSlot is the layout of one partition under "hook", the tests' layout.
func singleSlot() keyspace.Layout {
	l, _ := keyspace.NewLayout("hook", 1) // one partition is always valid
	return l
}
