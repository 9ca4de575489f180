package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
)

// fakeSlack stands in for slack.com/api: it records every call and answers
// with reply, which tests swap per scenario.
type fakeSlack struct {
	mu    sync.Mutex
	calls []slackCall
	next  int // ts counter
	reply func(w http.ResponseWriter, method string, form url.Values) bool
}

type slackCall struct {
	method string // "chat.postMessage", "chat.update"
	form   url.Values
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	f.calls = append(f.calls, slackCall{method: method, form: r.PostForm})
	f.next++
	ts := "1795751352.0000" + string(rune('0'+f.next))
	reply := f.reply
	f.mu.Unlock()
	if reply != nil && reply(w, method, r.PostForm) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	channel := r.PostForm.Get("channel")
	if strings.HasPrefix(channel, "#") {
		channel = "C0ONCALL" // Slack answers with the ID
	}
	if method == "chat.update" {
		ts = r.PostForm.Get("ts")
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": channel, "ts": ts})
}

func (f *fakeSlack) Calls() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

// memThreads is an in-memory ThreadStore; failing makes every call error.
type memThreads struct {
	mu      sync.Mutex
	parents map[string][2]string
	pages   map[string]int64
	claims  map[string]string // incident -> owner
	failing bool
}

func newMemThreads() *memThreads {
	return &memThreads{parents: map[string][2]string{}, pages: map[string]int64{}, claims: map[string]string{}}
}

func (m *memThreads) ReleaseParent(_ context.Context, inc, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims[inc] == owner {
		delete(m.claims, inc)
	}
	return nil
}

func (m *memThreads) ClaimParent(_ context.Context, inc, owner string, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return false, errors.New("store down")
	}
	if o, held := m.claims[inc]; held && o != owner {
		return false, nil
	}
	m.claims[inc] = owner
	return true, nil
}

func (m *memThreads) Thread(_ context.Context, inc string) (string, string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return "", "", false, errors.New("store down")
	}
	p, ok := m.parents[inc]
	return p[0], p[1], ok, nil
}

func (m *memThreads) SetThread(_ context.Context, inc, ch, ts string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return errors.New("store down")
	}
	m.parents[inc] = [2]string{ts, ch}
	m.pages[inc] = 1
	return nil
}

func (m *memThreads) AddPage(_ context.Context, inc string, _ time.Duration) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return 0, errors.New("store down")
	}
	m.pages[inc]++
	return m.pages[inc], nil
}

func newTestAPI(t *testing.T, f *fakeSlack, threads ThreadStore, timeout time.Duration) (*API, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := goslack.New("xoxb-test",
		goslack.OptionAPIURL(srv.URL+"/api/"),
		goslack.OptionHTTPClient(&http.Client{Timeout: timeout}))
	var logs bytes.Buffer
	return NewAPI(client, threads, slog.New(slog.NewTextHandler(&logs, nil))), &logs
}

func TestSlackAPIPostMessage(t *testing.T) {
	f := &fakeSlack{}
	api, _ := newTestAPI(t, f, nil, time.Second)
	p := samplePage()

	retry, err := api.Send(context.Background(), p)
	if err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].method != "chat.postMessage" {
		t.Fatalf("calls = %+v, want one chat.postMessage", calls)
	}
	form := calls[0].form
	if got := form.Get("channel"); got != "#oncall" {
		t.Errorf("channel = %q", got)
	}
	want := Render(p)
	if got := form.Get("text"); got != want.Text {
		t.Errorf("text = %q, want %q", got, want.Text)
	}
	wantBlocks, _ := json.Marshal(want.Blocks)
	if got := form.Get("blocks"); got != string(wantBlocks) {
		t.Errorf("blocks =\n%s\nwant\n%s", got, wantBlocks)
	}
	if form.Get("thread_ts") != "" {
		t.Errorf("unexpected thread_ts %q without a thread store", form.Get("thread_ts"))
	}
}

func TestSlackAPIThreads(t *testing.T) {
	f := &fakeSlack{}
	threads := newMemThreads()
	api, logs := newTestAPI(t, f, threads, time.Second)
	ctx := context.Background()

	first := samplePage()
	second := samplePage()
	second.ID = "p-0002"
	resolved := samplePage()
	resolved.ID = "p-0003"
	resolved.Kind = alert.KindResolved
	other := samplePage()
	other.ID = "p-0004"
	other.Incident = "1400000001/9999"

	for _, p := range []alert.Notification{first, second, resolved, other} {
		if retry, err := api.Send(ctx, p); err != nil || retry {
			t.Fatalf("Send %s = %v, %v", p.ID, retry, err)
		}
	}

	calls := f.Calls()
	var got []string
	for _, c := range calls {
		got = append(got, c.method+" ch="+c.form.Get("channel")+" thread_ts="+c.form.Get("thread_ts")+" ts="+c.form.Get("ts"))
	}
	want := []string{
		"chat.postMessage ch=#oncall thread_ts= ts=",                  // parent
		"chat.postMessage ch=C0ONCALL thread_ts=1795751352.00001 ts=", // reply, by channel ID
		"chat.update ch=C0ONCALL thread_ts= ts=1795751352.00001",      // parent: 2 pages
		"chat.postMessage ch=C0ONCALL thread_ts=1795751352.00001 ts=", // resolved reply
		"chat.update ch=C0ONCALL thread_ts= ts=1795751352.00001",      // parent: resolved
		"chat.postMessage ch=#oncall thread_ts= ts=",                  // other incident: new parent
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	firstUpdate, lastUpdate := calls[2].form.Get("blocks"), calls[4].form.Get("blocks")
	if !strings.Contains(firstUpdate, "2 pages in thread") || !strings.Contains(firstUpdate, "CRITICAL") {
		t.Errorf("first parent update should show firing, 2 pages: %s", firstUpdate)
	}
	if !strings.Contains(lastUpdate, "RESOLVED") || !strings.Contains(lastUpdate, "3 pages in thread") {
		t.Errorf("parent update after resolved should show RESOLVED, 3 pages: %s", lastUpdate)
	}
	if strings.Contains(lastUpdate, "<!here>") {
		t.Errorf("parent update repeats mentions: %s", lastUpdate)
	}
	if logs.Len() != 0 {
		t.Errorf("unexpected logs: %s", logs)
	}
}

func TestSlackAPIThreadFailuresDoNotFailThePage(t *testing.T) {
	t.Run("parent update fails", func(t *testing.T) {
		f := &fakeSlack{reply: func(w http.ResponseWriter, method string, _ url.Values) bool {
			if method != "chat.update" {
				return false
			}
			_, _ = io.WriteString(w, `{"ok":false,"error":"cant_update_message"}`)
			return true
		}}
		api, logs := newTestAPI(t, f, newMemThreads(), time.Second)
		p := samplePage()
		for range 2 {
			if retry, err := api.Send(context.Background(), p); err != nil || retry {
				t.Fatalf("Send = %v, %v; a failed parent edit must not fail the reply", retry, err)
			}
		}
		if n := len(f.Calls()); n != 3 {
			t.Errorf("%d calls, want 3 (post, reply, one update attempt)", n)
		}
		if !strings.Contains(logs.String(), "parent not updated") {
			t.Errorf("update failure not logged: %s", logs)
		}
	})
	t.Run("store down", func(t *testing.T) {
		f := &fakeSlack{}
		threads := newMemThreads()
		threads.failing = true
		api, logs := newTestAPI(t, f, threads, time.Second)
		if retry, err := api.Send(context.Background(), samplePage()); err != nil || retry {
			t.Fatalf("Send = %v, %v; the page must go out unthreaded", retry, err)
		}
		if n := len(f.Calls()); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
		if !strings.Contains(logs.String(), "posting unthreaded") {
			t.Errorf("store failure not logged: %s", logs)
		}
	})
}

func TestSlackAPIErrorClassification(t *testing.T) {
	slackError := func(code string) func(http.ResponseWriter, string, url.Values) bool {
		return func(w http.ResponseWriter, _ string, _ url.Values) bool {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":false,"error":"`+code+`"}`)
			return true
		}
	}
	status := func(code int, header ...string) func(http.ResponseWriter, string, url.Values) bool {
		return func(w http.ResponseWriter, _ string, _ url.Values) bool {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(code)
			_, _ = io.WriteString(w, "<html>oops</html>")
			return true
		}
	}
	tests := []struct {
		name      string
		reply     func(http.ResponseWriter, string, url.Values) bool
		wantRetry bool
		wantAfter time.Duration // > 0: want a *notify.RetryAfterError with this After
		wantInErr string
	}{
		{"429 retry-after", status(429, "Retry-After", "2"), true, 2 * time.Second, "rate limit"},
		{"429 bare", status(429), true, 0, "429"},
		{"500", status(500), true, 0, "500"},
		{"503", status(503), true, 0, "503"},
		{"404", status(404), false, 0, "404"},
		{"channel_not_found", slackError("channel_not_found"), false, 0, "channel_not_found"},
		{"invalid_auth", slackError("invalid_auth"), false, 0, "invalid_auth"},
		{"token_revoked", slackError("token_revoked"), false, 0, "token_revoked"},
		{"not_in_channel", slackError("not_in_channel"), false, 0, "not_in_channel"},
		{"invalid_blocks", slackError("invalid_blocks"), false, 0, "invalid_blocks"},
		{"internal_error", slackError("internal_error"), true, 0, "internal_error"},
		{"ratelimited body", slackError("ratelimited"), true, 0, "ratelimited"},
		{"unknown error", slackError("brand_new_error"), false, 0, "unknown slack error"},
		{"timeout", func(w http.ResponseWriter, _ string, _ url.Values) bool {
			time.Sleep(300 * time.Millisecond)
			return false
		}, true, 0, "timeout"},
		{"garbage 200", func(w http.ResponseWriter, _ string, _ url.Values) bool {
			_, _ = io.WriteString(w, "not json")
			return true
		}, false, 0, "unclassified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSlack{reply: tt.reply}
			// Only the timeout case may time out: a short limit everywhere would
			// turn a slow, loaded CI machine into false timeouts.
			timeout := 5 * time.Second
			if tt.wantInErr == "timeout" {
				timeout = 50 * time.Millisecond
			}
			api, _ := newTestAPI(t, f, nil, timeout)
			retry, err := api.Send(context.Background(), samplePage())
			if err == nil {
				t.Fatal("want an error")
			}
			if retry != tt.wantRetry {
				t.Errorf("retry = %v, want %v (err %v)", retry, tt.wantRetry, err)
			}
			var ra *notify.RetryAfterError
			if isRA := errors.As(err, &ra); isRA != (tt.wantAfter > 0) || isRA && ra.After != tt.wantAfter {
				t.Errorf("notify.RetryAfterError = %v (%+v), want After %v", isRA, ra, tt.wantAfter)
			}
			if tt.wantInErr == "timeout" {
				// The message varies with where the deadline struck; the cause does not.
				if !isTimeout(err) {
					t.Errorf("error %q is not a timeout", err)
				}
			} else if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantInErr)
			}
		})
	}
}

func TestSlackAPIContextDeadline(t *testing.T) {
	f := &fakeSlack{reply: func(http.ResponseWriter, string, url.Values) bool {
		time.Sleep(80 * time.Millisecond)
		return false
	}}
	api, _ := newTestAPI(t, f, nil, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	retry, err := api.Send(ctx, samplePage())
	if !retry || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, %v; want retry on deadline", retry, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func TestSlackAPIThreadPerChannel(t *testing.T) {
	f := &fakeSlack{}
	api, _ := newTestAPI(t, f, newMemThreads(), time.Second)
	oncall := samplePage()
	alerts := samplePage()
	alerts.Receiver.Channel = "C0ALERTS"
	for _, p := range []alert.Notification{oncall, alerts} {
		if _, err := api.Send(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range f.Calls() {
		if c.form.Get("thread_ts") != "" {
			t.Errorf("same incident in another channel replied in a foreign thread: %v", c.form)
		}
	}
}

// fakeAcks says every incident in it was acknowledged: by whom, and when.
type fakeAcks map[string]ack

type ack struct {
	user string
	at   time.Time
}

func (f fakeAcks) Acknowledged(_ context.Context, incident string) (string, time.Time, bool, error) {
	a, ok := f[incident]
	return a.user, a.at, ok, nil
}

func TestSlackAPIParentShowsAcknowledgement(t *testing.T) {
	f := &fakeSlack{}
	api, _ := newTestAPI(t, f, newMemThreads(), time.Second)
	api.Buttons = true
	p := samplePage()
	// The fake Slack's first ts is 1795751352.00001: acked after the parent.
	api.Acks = fakeAcks{p.Incident: {"U777", time.Unix(1795751400, 0)}}
	second := samplePage()
	second.ID = "p-0002"
	for _, pg := range []alert.Notification{p, second} {
		if retry, err := api.Send(context.Background(), pg); err != nil || retry {
			t.Fatalf("Send %s = %v, %v", pg.ID, retry, err)
		}
	}
	calls := f.Calls()
	if len(calls) != 3 || calls[2].method != "chat.update" {
		t.Fatalf("calls = %v, want post, reply, update", calls)
	}
	parent := calls[2].form.Get("blocks")
	if !strings.Contains(parent, "Acknowledged by \\u003c@U777\\u003e") && !strings.Contains(parent, "Acknowledged by <@U777>") {
		t.Errorf("parent does not say who acknowledged: %s", parent)
	}
	if strings.Contains(parent, ActionAck) {
		t.Errorf("an acknowledged parent still offers Acknowledge: %s", parent)
	}
	if !strings.Contains(parent, ActionSilenceRoom) {
		t.Errorf("an acknowledged parent should still offer silencing: %s", parent)
	}
}

// An ack from an earlier incident in the same room (before this thread's
// parent was posted) must not mark the new incident acknowledged.
func TestSlackAPIParentIgnoresAnOlderAcknowledgement(t *testing.T) {
	f := &fakeSlack{}
	api, _ := newTestAPI(t, f, newMemThreads(), time.Second)
	api.Buttons = true
	p := samplePage()
	api.Acks = fakeAcks{p.Incident: {"U777", time.Unix(1795751352, 0).Add(-48 * time.Hour)}}
	second := samplePage()
	second.ID = "p-0002"
	for _, pg := range []alert.Notification{p, second} {
		if retry, err := api.Send(context.Background(), pg); err != nil || retry {
			t.Fatalf("Send %s = %v, %v", pg.ID, retry, err)
		}
	}
	parent := f.Calls()[2].form.Get("blocks")
	if strings.Contains(parent, "Acknowledged") || !strings.Contains(parent, ActionAck) {
		t.Errorf("a new incident's parent shows an old acknowledgement: %s", parent)
	}
}

func TestSlackTime(t *testing.T) {
	for ts, want := range map[string]time.Time{
		"1700000000.000100": time.Unix(1700000000, 100_000),
		"1700000000":        time.Unix(1700000000, 0),
		"junk":              {},
	} {
		if got := slackTime(ts); !got.Equal(want) {
			t.Errorf("slackTime(%q) = %v, want %v", ts, got, want)
		}
	}
}

// Two replicas paging the same new incident at once open one thread: the
// one that claims the parent posts it, the other replies under it.
func TestSlackAPIReplicasOpenOneThread(t *testing.T) {
	f := &fakeSlack{reply: func(w http.ResponseWriter, method string, form url.Values) bool {
		if method == "chat.postMessage" && form.Get("thread_ts") == "" {
			time.Sleep(150 * time.Millisecond) // Slack is slow: the race window is wide open
		}
		return false
	}}
	threads := newMemThreads()
	a, _ := newTestAPI(t, f, threads, 5*time.Second)
	b, _ := newTestAPI(t, f, threads, 5*time.Second)
	first, second := samplePage(), samplePage()
	second.ID = "p-0002"
	var wg sync.WaitGroup
	for _, run := range []struct {
		api *API
		p   alert.Notification
	}{{a, first}, {b, second}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if retry, err := run.api.Send(context.Background(), run.p); err != nil || retry {
				t.Errorf("Send %s = %v, %v", run.p.ID, retry, err)
			}
		}()
	}
	wg.Wait()
	parents, replies := 0, 0
	for _, c := range f.Calls() {
		if c.method != "chat.postMessage" {
			continue
		}
		if c.form.Get("thread_ts") == "" {
			parents++
		} else {
			replies++
		}
	}
	if parents != 1 || replies != 1 {
		t.Errorf("%d parents and %d replies for one incident paged by two replicas, want 1 and 1", parents, replies)
	}
}

// A page whose post fails gives its parent claim up, so the incident's other
// pages (on other replicas) need not wait for a parent that is not coming.
func TestSlackAPIFailedParentReleasesClaim(t *testing.T) {
	f := &fakeSlack{reply: func(w http.ResponseWriter, method string, _ url.Values) bool {
		_, _ = io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
		return true
	}}
	threads := newMemThreads()
	api, _ := newTestAPI(t, f, threads, time.Second)
	if retry, err := api.Send(context.Background(), samplePage()); err == nil || retry {
		t.Fatalf("Send = %v, %v; want a permanent error", retry, err)
	}
	threads.mu.Lock()
	defer threads.mu.Unlock()
	if len(threads.claims) != 0 {
		t.Errorf("claims after a failed parent: %v, want none", threads.claims)
	}
}
