package rehearsal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/notify"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/threads"
)

// fakeClock is the dispatcher's time: Sleep advances it instead of waiting,
// so backoffs and the channel's rate limit cost no real time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
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
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return true
}

// outageSlack answers the Web API, failing the first down posts with a
// retryable error, as Slack does in an outage.
type outageSlack struct {
	mu    sync.Mutex
	down  int
	calls int
	ts    int
}

func (f *outageSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if strings.HasSuffix(r.URL.Path, "chat.postMessage") {
		f.calls++
		if f.calls <= f.down {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "service_unavailable"})
			return
		}
	}
	f.ts++
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": r.PostForm.Get("channel"), "ts": fmt.Sprintf("1795751352.%06d", f.ts)})
}

// delivered records what a sender delivered, in order.
type delivered struct {
	next  notify.Sender
	mu    sync.Mutex
	pages []alert.Notification
}

func (d *delivered) Send(ctx context.Context, p alert.Notification) (bool, error) {
	retry, err := d.next.Send(ctx, p)
	if err == nil {
		d.mu.Lock()
		d.pages = append(d.pages, p)
		d.mu.Unlock()
	}
	return retry, err
}

func (d *delivered) Pages() []alert.Notification {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.pages)
}

// The outbox under a Slack outage: storms in ten rooms and a user who drops
// and comes back fill the outbox while Slack refuses every post; the
// dispatcher retries, and once Slack is back every page is delivered once,
// each room's in its outbox order (firing before updates and resolved), and
// the same pages on every backend.
func TestOutboxUnderSlackOutage(t *testing.T) {
	var want []string
	var ref string
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cat := catalogtest.New(t)
			rdb, mr := b.open(t)
			rig := b.rig(t, rdb, mr, cat, exampleRules(t, cat))
			rig.KeepOutbox = true
			evs := manyRooms(10, 30) // 15 s of drops: each storm pages, then updates
			evs = append(evs, exitIn("solo", "u1", t0.Add(time.Second)), enterIn("solo", "u1", t0.Add(50*time.Second)))
			slices.SortStableFunc(evs, func(a, b callback.Event) int { return int(a.EventMs - b.EventMs) })
			for _, ev := range evs {
				if _, err := rig.Advance(ctx, time.UnixMilli(ev.EventMs)); err != nil {
					t.Fatal(err)
				}
				if _, err := rig.Handle(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := rig.Advance(ctx, t0.Add(10*time.Minute)); err != nil {
				t.Fatal(err)
			}
			queued, err := rig.Outbox.Depth(ctx)
			if err != nil || queued == 0 {
				t.Fatalf("outbox depth %d, %v before delivery", queued, err)
			}

			fs := &outageSlack{down: 8}
			srv := httptest.NewServer(fs)
			defer srv.Close()
			api := slacknotify.NewAPI(slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/")), threads.New(rdb, "hook", slacknotify.DefaultThreadTTL), nil)
			sent := &delivered{next: api}
			console := &delivered{next: notify.NewConsole(&strings.Builder{})}
			clock := &fakeClock{now: rig.Clock.Now()}
			d := notify.NewDispatcher(rig.Outbox, map[alert.ReceiverKind]notify.Sender{alert.ReceiverSlack: sent, alert.ReceiverConsole: console},
				// Flood control off: this test pins page-by-page order and delivery.
				notify.DispatcherConfig{Consumer: "a", Block: 10 * time.Millisecond, Sleep: clock.Sleep, Flood: notify.FloodConfig{Off: true},
					Fallback: &alert.Receiver{Name: "console", Kind: alert.ReceiverConsole}},
				slog.New(slog.DiscardHandler), clock.Now)
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); _ = d.Run(runCtx) }()
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if n, err := rig.Outbox.Depth(ctx); err == nil && n == 0 && len(sent.Pages()) == int(queued) {
					break
				}
				if time.Now().After(deadline) {
					stop()
					<-done
					t.Fatalf("%d of %d pages delivered", len(sent.Pages()), queued)
				}
			}
			stop()
			<-done

			if fs.calls <= fs.down {
				t.Fatalf("Slack saw %d posts, not even the outage's %d", fs.calls, fs.down)
			}
			if n := len(console.Pages()); n != 0 {
				t.Errorf("%d pages dead-lettered to the fallback during a short outage", n)
			}
			pages := sent.Pages()
			seen := map[string]bool{}
			last := map[string]alert.Notification{}
			for _, p := range pages {
				if seen[p.PageID()] {
					t.Errorf("page %s delivered twice", p.PageID())
				}
				seen[p.PageID()] = true
				prev, ok := last[p.Incident]
				switch {
				case !ok && p.Kind != alert.KindFiring:
					t.Errorf("incident %s: first delivered page is %s", p.Incident, p.Kind)
				case ok && p.Kind == alert.KindFiring:
					t.Errorf("incident %s: a second firing page after %s", p.Incident, prev.Kind)
				case ok && p.Flush > 0 && p.Flush <= prev.Flush:
					t.Errorf("incident %s: flush %d delivered after flush %d", p.Incident, p.Flush, prev.Flush)
				}
				last[p.Incident] = p
			}
			if len(last) != 11 {
				t.Errorf("pages for %d incidents, want the 10 storms and the solo drop", len(last))
			}
			t.Logf("%d pages for %d incidents delivered after %d refused posts", len(pages), len(last), fs.down)
			got := digest(pages)
			if ref == "" {
				want, ref = got, b.name
				return
			}
			if !slices.Equal(got, want) {
				t.Errorf("delivered pages differ from %s's:\n got: %s\nwant: %s", ref, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
			}
		})
	}
}
