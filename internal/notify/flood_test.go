package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/threads"
)

// slackCall is one message call the strict fake Slack answered.
type slackCall struct {
	method, channel, ts, text string
	at                        time.Time // on the fake clock
	limited                   bool      // answered 429
}

// strictSlack is a Web API that holds hook to Slack's pace: a second message
// call for a channel within a second (of the fake clock) of the last one it
// accepted gets 429 with Retry-After, as Slack answers a burst.
type strictSlack struct {
	mu    sync.Mutex
	now   func() time.Time
	calls []slackCall
	last  map[string]time.Time
	ts    int
}

func (f *strictSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	c := slackCall{method: method, channel: r.PostForm.Get("channel"), ts: r.PostForm.Get("ts"), text: r.PostForm.Get("text"), at: now}
	if method == "chat.postMessage" || method == "chat.update" {
		if last, ok := f.last[c.channel]; ok && now.Sub(last) < time.Second {
			c.limited = true
			f.calls = append(f.calls, c)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		f.last[c.channel] = now
		if c.ts == "" {
			f.ts++
			c.ts = fmt.Sprintf("1795751352.%06d", f.ts)
		}
		f.calls = append(f.calls, c)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": c.channel, "ts": c.ts})
}

func (f *strictSlack) Calls() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

// useStrictSlack points the rig's Slack sender at a strictSlack on clock now.
func (r *rig) useStrictSlack(now func() time.Time) *strictSlack {
	fs := &strictSlack{now: now, last: map[string]time.Time{}}
	srv := httptest.NewServer(fs)
	r.t.Cleanup(srv.Close)
	client := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"))
	r.senders[alert.ReceiverSlack] = slacknotify.NewAPI(client, threads.New(r.rdb, "hook", slacknotify.DefaultThreadTTL), nil)
	return fs
}

// digestCount reads the page count a digest message shows, from its
// notification text ("[CRITICAL] 9,997 more pages: ..."); ok is false for a page.
var digestCountRE = regexp.MustCompile(`^\[\w+\] (?:Flood over, )?([\d,]+) (?:more )?pages?\b`)

func digestCount(text string) (int, bool) {
	m := digestCountRE.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	return n, err == nil
}

func (r *rig) counter(name, receiver string) float64 {
	mfs, err := r.metrics.Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "receiver" && l.GetValue() == receiver {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// enqueueFast adds pages through one pipeline: ten thousand XADDs one by one
// would be most of the test's time.
func (r *rig) enqueueFast(ps []alert.Notification) {
	r.t.Helper()
	pipe := r.rdb.Pipeline()
	for _, p := range ps {
		b, err := p.Marshal()
		if err != nil {
			r.t.Fatal(err)
		}
		pipe.XAdd(context.Background(), &redis.XAddArgs{Stream: r.st.Key(), Values: []any{"n", b}})
	}
	if _, err := pipe.Exec(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// waitLong is waitFor with room for a slow machine (or -race): ten thousand
// pages through miniredis take seconds. The deadline only stops a hung test.
func waitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// floodPages is a regional recording outage: n critical recording failures,
// each in its own room, for #oncall, with three critical pages of another
// rule among them, far apart.
func floodPages(n int) (pages []alert.Notification, others []string) {
	for i := range n {
		p := alert.Notification{ID: fmt.Sprintf("rec-%05d", i), Kind: alert.KindFiring, Rule: "recording-start-failed",
			Severity: alert.SeverityCritical, Count: 1, CreatedAt: t0,
			Event:    alert.Event{App: "1400000001", Room: fmt.Sprintf("room-%05d", i), Task: fmt.Sprintf("task-%d", i)},
			Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall", Mentions: []string{"<!here>"}}}
		if i > 0 && i%(n/4) == 0 {
			p.ID, p.Rule, p.Event.Task = fmt.Sprintf("crash-%d", i), "room-crashed", ""
			others = append(others, p.ID)
		}
		p.Title = p.ID
		pages = append(pages, p)
	}
	return pages, others
}

// TestFloodDigest is issue 11's case: 10,000 distinct pages for one channel
// that takes one message a second. On-call sees the first page at once and a
// digest with the full count within 10 s (of the fake clock), the other
// rule's critical pages each on their own, and every page is accounted for:
// delivered, digested or dead-lettered, once.
func TestFloodDigest(t *testing.T) {
	const n = 10000
	for _, backend := range []string{"miniredis", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var r *rig
			if backend == "redis" {
				r = newRig(t, redistest.Start(t), nil)
			} else {
				r = newMiniRig(t)
			}
			fs := r.useStrictSlack(r.clock.Now)
			pages, others := floodPages(n)
			r.enqueueFast(pages)

			began := time.Now()
			stop := r.run(r.st, r.config("a"))
			waitLong(t, "the flood to be over", func() bool {
				calls := fs.Calls()
				return r.depth() == 0 && len(calls) > 0 && strings.Contains(calls[len(calls)-1].text, "Flood over")
			})
			stop()
			elapsed := time.Since(began)

			// What on-call saw, in order.
			delivered := map[string]int{}
			var firstDigest, fullAt time.Time
			shown, messages, limited := 0, 0, 0
			for _, c := range fs.Calls() {
				if c.limited {
					limited++
					continue
				}
				messages++
				if count, ok := digestCount(c.text); ok {
					if firstDigest.IsZero() {
						firstDigest = c.at
					}
					shown = count
					continue
				}
				delivered[strings.Fields(c.text)[1]]++
			}

			digested := int(r.counter("hook_pages_digested_total", "oncall"))
			dead := len(r.deadLetters())
			if got := len(delivered) + digested + dead; got != n {
				t.Errorf("delivered %d + digested %d + dead-lettered %d = %d, want %d", len(delivered), digested, dead, got, n)
			}
			for id, c := range delivered {
				if c > 1 {
					t.Errorf("%s delivered %d times", id, c)
				}
			}
			if delivered["rec-00000"] != 1 {
				t.Errorf("the flood's first page was not sent on its own; sent: %v", delivered)
			}
			for _, id := range others {
				if delivered[id] != 1 {
					t.Errorf("critical page %s of a rule not in the flood was not sent on its own", id)
				}
			}
			if shown != digested {
				t.Errorf("the digest's last message shows %d pages, %d were digested", shown, digested)
			}

			// The digest showed the full count within 10 s.
			for _, c := range fs.Calls() {
				if count, ok := digestCount(c.text); ok && !c.limited && count == digested {
					fullAt = c.at
					break
				}
			}
			if fullAt.IsZero() || fullAt.Sub(t0) > 10*time.Second {
				t.Errorf("the digest showed the full count %d at %s after the first page, want within 10s", digested, fullAt.Sub(t0))
			}
			if limited > 0 {
				t.Errorf("Slack answered 429 %d times: hook went faster than a message a second", limited)
			}
			if digests := r.counter("hook_digests_total", "oncall"); digests != 1 {
				t.Errorf("hook_digests_total = %v, want 1", digests)
			}

			// Redis lists the digest with every digested page, none delivered too.
			recs, err := r.st.Digests(context.Background(), 10)
			if err != nil || len(recs) != 1 {
				t.Fatalf("digests = %+v, %v; want one", recs, err)
			}
			rec, listed, err := r.st.Digest(context.Background(), recs[0].ID, n)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Pages != int64(digested) || len(listed) != digested || rec.Shown == nil || rec.Shown.Digest.Pages != digested {
				t.Errorf("digest record: %d pages, %d listed, shown %+v; want %d", rec.Pages, len(listed), rec.Shown, digested)
			}
			for _, p := range listed {
				if delivered[p.PageID] > 0 {
					t.Errorf("%s both delivered and digested", p.PageID)
				}
			}
			if rec.Message == "" {
				t.Error("the digest's message is not recorded")
			}

			t.Logf("on their own: %v", delivered)
			t.Logf("%s: %d pages: %d Slack message calls (%d pages on their own, the rest in 1 digest: first shown %s after the first page with %d, full count %d at %s); %s real time",
				backend, n, messages, len(delivered), firstDigest.Sub(t0), shown, digested, fullAt.Sub(t0), elapsed.Round(time.Millisecond))
		})
	}
}

// worldClock is time as the world keeps it: only the test moves it on, and
// a Sleep lasts until it has (a fakeClock's Sleep moves it itself, so a
// sleeping lane would run ahead of pages that were due to arrive meanwhile).
type worldClock struct {
	mu      sync.Mutex
	now     time.Time
	changed chan struct{}
}

func newWorldClock() *worldClock { return &worldClock{now: t0, changed: make(chan struct{})} }

func (c *worldClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *worldClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *worldClock) Sleep(ctx context.Context, d time.Duration) bool {
	c.mu.Lock()
	until := c.now.Add(d)
	for c.now.Before(until) {
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
		c.mu.Lock()
	}
	c.mu.Unlock()
	return true
}

// sent is one notification a plain sender (a webhook: no edits) accepted.
type sent struct {
	n  alert.Notification
	at time.Time
}

// webhookLike is a Sender that cannot edit, like an incoming webhook.
type webhookLike struct {
	mu   sync.Mutex
	now  func() time.Time
	sent []sent
	fail func(alert.Notification) error // nil: accept everything
}

func (w *webhookLike) Send(_ context.Context, n alert.Notification) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		if err := w.fail(n); err != nil {
			return false, err
		}
	}
	w.sent = append(w.sent, sent{n: n, at: w.now()})
	return false, nil
}

func (w *webhookLike) Sent() []sent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sent(nil), w.sent...)
}

// TestFloodTrickle: a flood that goes on (6-7 pages a second for a minute,
// on a clock the test moves about 100 times faster than real time) keeps one digest
// message, refreshed no more than once per interval (edited in place through
// the Web API, posted anew through a webhook), and ends with a final refresh
// once the pages stop. Every page is accounted for.
func TestFloodTrickle(t *testing.T) {
	const n, every = 400, 150 * time.Millisecond
	for _, via := range []string{"web API", "webhook"} {
		t.Run(via, func(t *testing.T) {
			r := newMiniRig(t)
			world := newWorldClock()
			var fs *strictSlack
			hook := &webhookLike{now: world.Now}
			if via == "web API" {
				fs = r.useStrictSlack(world.Now)
			} else {
				r.senders[alert.ReceiverSlack] = hook
			}
			var pages []alert.Notification
			for i := range n {
				p := page(fmt.Sprintf("s%03d", i), "#oncall", "")
				p.Rule, p.Event.Room, p.CreatedAt = "slow-join", fmt.Sprintf("room-%d", i), t0.Add(time.Duration(i)*every)
				pages = append(pages, p)
			}
			cfg := r.config("a")
			cfg.Sleep = world.Sleep
			ctx, cancel := context.WithCancel(context.Background())
			d := notify.NewDispatcher(r.st, r.senders, cfg, slog.New(slog.DiscardHandler), world.Now)
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = d.Run(ctx)
			}()
			// The feeder is the world: each page arrives when the clock
			// reaches it; the clock goes on a minute past the last.
			for next := 0; world.Now().Before(t0.Add(time.Duration(n)*every + time.Minute)); {
				var due []alert.Notification
				for next < len(pages) && !pages[next].CreatedAt.After(world.Now()) {
					due = append(due, pages[next])
					next++
				}
				if len(due) > 0 {
					r.enqueueFast(due)
				}
				world.Advance(every)
				time.Sleep(time.Millisecond)
			}
			cancel()
			<-done

			type message struct {
				key    string // the digest's message or id
				count  int
				final  bool
				at     time.Time
				update bool
			}
			delivered := map[string]bool{}
			var digests []message
			if fs != nil {
				for _, c := range fs.Calls() {
					if c.limited {
						continue // the world's clock runs on during a call; a retry follows
					}
					if count, ok := digestCount(c.text); ok {
						digests = append(digests, message{c.ts, count, strings.Contains(c.text, "Flood over"), c.at, c.method == "chat.update"})
					} else {
						delivered[strings.Fields(c.text)[1]] = true
					}
				}
			} else {
				for _, s := range hook.Sent() {
					if s.n.Kind == alert.KindDigest {
						digests = append(digests, message{s.n.ID, s.n.Digest.Pages, s.n.Digest.Final, s.at, true})
					} else {
						delivered[s.n.ID] = true
					}
				}
			}
			digested := int(r.counter("hook_pages_digested_total", "oncall"))
			if got := len(delivered) + digested + len(r.deadLetters()); got != n || r.depth() != 0 {
				t.Errorf("delivered %d + digested %d + dead-lettered = %d, want %d; %d left in the outbox",
					len(delivered), digested, got, n, r.depth())
			}
			if len(digests) == 0 || !digests[len(digests)-1].final || digests[len(digests)-1].count != digested {
				t.Fatalf("digest messages %+v: want the last one final, showing all %d digested pages", digests, digested)
			}
			last := map[string]time.Time{}
			for _, m := range digests {
				if prev, ok := last[m.key]; ok && m.at.Sub(prev) < notify.DefaultFloodInterval {
					t.Errorf("digest %s refreshed %s after its last refresh; the interval is %s", m.key, m.at.Sub(prev), notify.DefaultFloodInterval)
				}
				last[m.key] = m.at
			}
			if digests := r.counter("hook_digests_total", "oncall"); digests != 1 {
				t.Errorf("%v digests for one flood", digests)
			}
			t.Logf("%s: %d pages over %s: %d pages on their own, %d digest messages, %d digested",
				via, n, time.Duration(n)*every, len(delivered), len(digests), digested)
		})
	}
}

// TestFloodDigestRejected: a digest Slack refuses for good goes to the dead
// letters whole (its pages stay listed with it) and to the fallback receiver.
func TestFloodDigestRejected(t *testing.T) {
	r := newMiniRig(t)
	hook := &webhookLike{now: r.clock.Now, fail: func(n alert.Notification) error {
		if n.Kind == alert.KindDigest {
			return fmt.Errorf("slack webhook: invalid_blocks")
		}
		return nil
	}}
	r.senders[alert.ReceiverSlack] = hook
	var pages []alert.Notification
	for i := range 100 {
		pages = append(pages, page(fmt.Sprintf("p%03d", i), "#oncall", ""))
	}
	r.enqueueFast(pages)
	cfg := r.config("a")
	cfg.Fallback = &alert.Receiver{Name: "console", Kind: alert.ReceiverConsole}
	stop := r.run(r.st, cfg)
	r.waitFor("the digest in the dead letters", func() bool { return len(r.deadLetters()) == 1 && len(r.console.Pages()) == 1 })
	stop()

	digested := int(r.counter("hook_pages_digested_total", "oncall"))
	if got := len(hook.Sent()) + digested; got != 100 || r.depth() != 0 {
		t.Errorf("sent %d + digested %d = %d, %d left in the outbox; want 100 and 0", len(hook.Sent()), digested, got, r.depth())
	}
	dl := r.deadLetters()[0].Values
	d, err := alert.UnmarshalNotification([]byte(dl["n"].(string)))
	if err != nil || d.Kind != alert.KindDigest || d.Digest.Pages != digested || !strings.Contains(dl["reason"].(string), "invalid_blocks") {
		t.Errorf("dead letter %v: %+v, %v", dl, d, err)
	}
	fb := r.console.Pages()[0]
	if fb.Kind != alert.KindDigest || !strings.HasPrefix(fb.Note, "undelivered to oncall: slack webhook: invalid_blocks") {
		t.Errorf("fallback got %+v", fb)
	}
	recs, _ := r.st.Digests(context.Background(), 10)
	if len(recs) != 1 || recs[0].DeadLettered == "" || recs[0].Pages != int64(digested) {
		t.Errorf("digest records %+v", recs)
	}
	if n := r.deadLetterCount(notify.DeadRejected); n != 1 {
		t.Errorf("hook_dead_letters_total{reason=rejected} = %v, want 1", n)
	}
}

// TestFloodStopMidway: a dispatcher stopped in the middle of a flood leaves
// every page it had not absorbed or sent in the outbox; the next run (a
// restart) picks them up. No page is lost, none both sent and digested.
func TestFloodStopMidway(t *testing.T) {
	const n = 2000
	r := newMiniRig(t)
	fs := r.useStrictSlack(r.clock.Now)
	pages, _ := floodPages(n)
	r.enqueueFast(pages)
	stop := r.run(r.st, r.config("a"))
	waitLong(t, "some pages digested", func() bool { return r.counter("hook_pages_digested_total", "oncall") > 300 })
	stop()
	left := r.depth()
	if left == 0 {
		t.Log("the flood was absorbed before the stop; the restart has nothing left to do")
	}
	stop = r.run(r.st, r.config("a"))
	waitLong(t, "the rest", func() bool { return r.depth() == 0 })
	stop()

	sent := map[string]int{}
	for _, c := range fs.Calls() {
		if _, digest := digestCount(c.text); !digest && !c.limited {
			sent[strings.Fields(c.text)[1]]++
		}
	}
	var digested []string
	recs, _ := r.st.Digests(context.Background(), 10)
	for _, rec := range recs {
		_, listed, err := r.st.Digest(context.Background(), rec.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range listed {
			digested = append(digested, strings.TrimSuffix(p.PageID, "-oncall"))
		}
	}
	seen := map[string]int{}
	for id, c := range sent {
		seen[id] += c
	}
	for _, id := range digested {
		seen[id]++
	}
	for _, p := range pages {
		if seen[p.ID] != 1 {
			t.Errorf("%s: sent or digested %d times, want once", p.ID, seen[p.ID])
		}
	}
	if got := int(r.counter("hook_pages_digested_total", "oncall")); got != len(digested) {
		t.Errorf("hook_pages_digested_total = %d, %d listed", got, len(digested))
	}
	t.Logf("%d left in the outbox at the stop; %d sent, %d digested in %d digests", left, len(sent), len(digested), len(recs))
}
