package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSlack records chat.postMessage calls and webhook posts.
type fakeSlack struct {
	mu    sync.Mutex
	posts []map[string]string // form values (Web API) or {"text": ...} (webhook)
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/chat.postMessage"):
		vals, _ := url.ParseQuery(string(body))
		post := map[string]string{}
		for k := range vals {
			post[k] = vals.Get(k)
		}
		f.posts = append(f.posts, post)
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, post["channel"], len(f.posts))
	case strings.HasSuffix(r.URL.Path, "/chat.update"):
		fmt.Fprint(w, `{"ok":true}`)
	case strings.HasPrefix(r.URL.Path, "/webhook/"):
		var msg struct {
			Text   string          `json:"text"`
			Blocks json.RawMessage `json:"blocks"`
		}
		_ = json.Unmarshal(body, &msg)
		f.posts = append(f.posts, map[string]string{"text": msg.Text, "blocks": string(msg.Blocks)})
		fmt.Fprint(w, "ok")
	default:
		http.Error(w, `{"ok":false,"error":"unknown_method"}`, http.StatusNotFound)
	}
}

func (f *fakeSlack) waitPosts(t *testing.T, n int) []map[string]string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		f.mu.Lock()
		got := append([]map[string]string(nil), f.posts...)
		f.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// callbackBody builds a callback body of the given group and type, sent now.
func callbackBody(group, typ int, info map[string]any) []byte {
	now := time.Now().UnixMilli()
	if _, ok := info["EventMsTs"]; !ok {
		info["EventMsTs"] = now
	}
	b, _ := json.Marshal(map[string]any{"EventGroupId": group, "EventType": typ, "CallbackTs": now, "EventInfo": info})
	return b
}

// oneOfEachGroup is an alerting event of each group 1-4 with what its page must say.
func oneOfEachGroup() []struct {
	name string
	body []byte
	want string
} {
	return []struct {
		name string
		body []byte
		want string
	}{
		{"room: user left by timeout", callbackBody(1, 104, map[string]any{"RoomId": 8489, "UserId": "u42", "Role": 20, "Reason": 2}), "u42"},
		{"media: unknown type still routable", callbackBody(2, 299, map[string]any{"RoomId": "m1", "UserId": "u7"}), ""},
		{"recording: upload error", callbackBody(3, 308, map[string]any{"RoomId": "r3", "UserId": "rec", "TaskId": "task-308", "Payload": map[string]any{"Code": "UploadFailed", "Message": "cos down"}}), "task-308"},
		{"relay: CDN failure", callbackBody(4, 401, map[string]any{"RoomId": "r4", "RoomType": 1, "UserId": "mix", "TaskId": 987654, "Payload": map[string]any{"Url": "rtmp://cdn/x", "Status": 4, "ErrorCode": 5, "ErrorMsg": "push failed"}}), "987654"},
	}
}

// rulesForAllGroups pages for the media event too, so every group is exercised.
const rulesForAllGroups = `
receivers:
  - name: oncall
    slack: {channel: "#rtc-oncall", mentions: {critical: ["<!here>"]}}
default_receiver: oncall
rules:
  - name: user-dropped
    match: {event: room.exit, reason: [timeout, force_closed]}
  - name: media-unknown
    match: {group: media, event: unknown}
  - name: recording-upload-error
    match: {event: recording.upload_error}
    severity: critical
  - name: relay-failed
    match: {event: relay.cdn_status, relay_status: failure}
    severity: critical
`

func TestEndToEndEveryGroupPagesSlack(t *testing.T) {
	rulesFile := writeFile(t, "rules.yaml", rulesForAllGroups)
	modes := []struct {
		name string
		env  func(slackURL string) map[string]string
	}{
		{"web api", func(u string) map[string]string {
			return map[string]string{"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_API_URL": u + "/api/"}
		}},
		{"webhook", func(u string) map[string]string {
			return map[string]string{"SLACK_WEBHOOK_URL": u + "/webhook/T000/B000/secret"}
		}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			slack := &fakeSlack{}
			fake := httptest.NewServer(slack)
			defer fake.Close()
			env := mode.env(fake.URL)
			env["TRTC_CALLBACK_KEY"] = "e2e-key"
			env["HOOK_RULES"] = rulesFile
			srv := startServe(t, env)

			events := oneOfEachGroup()
			for _, ev := range events {
				code, body := postBody(t, srv.url, "1400000001", "e2e-key", ev.body)
				if code != http.StatusOK || body != `{"code":0}` {
					t.Fatalf("%s: answer %d %s", ev.name, code, body)
				}
			}
			posts := slack.waitPosts(t, len(events))
			if len(posts) != len(events) {
				t.Fatalf("got %d Slack posts, want %d\nstderr:\n%s", len(posts), len(events), srv.stderr.String())
			}
			all := fmt.Sprint(posts)
			for _, ev := range events {
				if !strings.Contains(all, ev.want) {
					t.Errorf("%s: no Slack post mentions %q", ev.name, ev.want)
				}
			}
			if mode.name == "web api" {
				for _, p := range posts {
					if p["channel"] != "#rtc-oncall" {
						t.Errorf("posted to %q, want #rtc-oncall", p["channel"])
					}
					if p["blocks"] == "" {
						t.Errorf("post without blocks: %v", p)
					}
				}
			}
		})
	}
}

func TestEndToEndRedeliveryPagesOnce(t *testing.T) {
	slack := &fakeSlack{}
	fake := httptest.NewServer(slack)
	defer fake.Close()
	srv := startServe(t, map[string]string{
		"TRTC_CALLBACK_KEY": "k",
		"SLACK_BOT_TOKEN":   "xoxb-e2e",
		"SLACK_API_URL":     fake.URL + "/api/",
		// HOOK_RULES unset: the embedded example rules.
	})
	// TRTC retries a callback it got no 200 for; here it redelivers one seven times.
	body := callbackBody(3, 308, map[string]any{"RoomId": "8489", "TaskId": "t-1", "Payload": map[string]any{"Code": "E", "Message": "m"}})
	for i := 0; i < 7; i++ {
		if code, resp := postBody(t, srv.url, "1400000001", "k", body); code != http.StatusOK {
			t.Fatalf("delivery %d: %d %s", i+1, code, resp)
		}
	}
	// A routine event pages nobody.
	if code, _ := postBody(t, srv.url, "1400000001", "k", callbackBody(1, 103, map[string]any{"RoomId": 8489, "UserId": "u1", "Reason": 1})); code != http.StatusOK {
		t.Fatalf("routine event: %d", code)
	}
	posts := slack.waitPosts(t, 1)
	time.Sleep(300 * time.Millisecond) // let any wrongly queued duplicate show up
	if posts = slack.waitPosts(t, 1); len(posts) != 1 {
		t.Fatalf("got %d pages for 7 deliveries of one callback, want 1: %v", len(posts), posts)
	}
	if !strings.Contains(srv.stderr.String(), "outcome=duplicate") {
		t.Errorf("duplicates are not logged as such:\n%s", srv.stderr.String())
	}
}

func TestEndToEndConsoleWithoutSlack(t *testing.T) {
	srv := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "k"})
	code, _ := postBody(t, srv.url, "1400000001", "k", callbackBody(3, 301, map[string]any{"RoomId": "r9", "TaskId": "relay-9", "Payload": map[string]any{"Status": 1}}))
	if code != http.StatusOK {
		t.Fatalf("answer %d", code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.stdout.String(), "relay-9") {
		if time.Now().After(deadline) {
			t.Fatalf("no page printed to stdout:\n%s", srv.stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"recording-start-failed", "Failed", "CRITICAL"} {
		if !strings.Contains(strings.ToUpper(srv.stdout.String()), strings.ToUpper(want)) {
			t.Errorf("console page lacks %q:\n%s", want, srv.stdout.String())
		}
	}
	if !strings.Contains(srv.stderr.String(), "state is in memory") {
		t.Errorf("no log line says state is in memory")
	}
}

func TestEndToEndDevKeyPrinted(t *testing.T) {
	srv := startServe(t, map[string]string{})
	out := srv.stdout.String()
	_, rest, ok := strings.Cut(out, "development key ")
	if !ok {
		t.Fatalf("no development key printed:\n%s", out)
	}
	key := strings.Fields(rest)[0]
	// The embedded rules list a live app and a call app without keys of
	// their own: the development key signs both, and any other app.
	for _, app := range []string{"1400000001", "1400000002", "1400000099"} {
		code, body := postBody(t, srv.url, app, key, callbackBody(1, 101, map[string]any{"RoomId": 1}))
		if code != http.StatusOK {
			t.Fatalf("app %s: callback signed with the printed key: %d %s", app, code, body)
		}
	}
	if strings.Contains(srv.stderr.String(), "level=WARN msg=rules") {
		t.Errorf("the embedded rules warn on a fresh clone:\n%s", srv.stderr.String())
	}
	if code, _ := postBody(t, srv.url, "1400000001", "wrong", callbackBody(1, 101, map[string]any{"RoomId": 1})); code != http.StatusUnauthorized {
		t.Fatalf("wrong key: %d, want 401", code)
	}
}
