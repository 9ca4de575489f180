package handler

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/threads"
)

// Slack's documented example, from "Verifying requests from Slack".
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func docNow() time.Time {
	ts, _ := strconv.ParseInt(docTimestamp, 10, 64)
	return time.Unix(ts, 0)
}

func slackHeader(sig, ts string) http.Header {
	h := http.Header{}
	h.Set("X-Slack-Signature", sig)
	h.Set("X-Slack-Request-Timestamp", ts)
	return h
}

func sign(secret, ts, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func TestVerifySlack(t *testing.T) {
	now := docNow()
	tests := []struct {
		name   string
		header http.Header
		body   string
		now    time.Time
		ok     bool
	}{
		{"documented example", slackHeader(docSignature, docTimestamp), docBody, now, true},
		{"4 minutes later still fresh", slackHeader(docSignature, docTimestamp), docBody, now.Add(4 * time.Minute), true},
		{"body changed", slackHeader(docSignature, docTimestamp), docBody + "&x=1", now, false},
		{"forged signature", slackHeader(sign("not-the-secret", docTimestamp, docBody), docTimestamp), docBody, now, false},
		{"timestamp changed", slackHeader(docSignature, "1531420619"), docBody, now, false},
		{"stale: 6 minutes old", slackHeader(docSignature, docTimestamp), docBody, now.Add(6 * time.Minute), false},
		{"from the future", slackHeader(docSignature, docTimestamp), docBody, now.Add(-6 * time.Minute), false},
		{"no v0 prefix", slackHeader(strings.TrimPrefix(docSignature, "v0="), docTimestamp), docBody, now, false},
		{"not hex", slackHeader("v0=zz", docTimestamp), docBody, now, false},
		{"missing headers", http.Header{}, docBody, now, false},
		{"bad timestamp", slackHeader(docSignature, "soon"), docBody, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifySlack(tt.header, []byte(tt.body), docSecret, tt.now)
			if (err == nil) != tt.ok {
				t.Fatalf("verifySlack = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && statusFor(err) != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", statusFor(err))
			}
		})
	}
}

// TestVerifySlackAgreesWithSlackGo pins our verifier to slack-go's on fresh
// requests (slack.NewSecretsVerifier reads the wall clock, hence "fresh").
func TestVerifySlackAgreesWithSlackGo(t *testing.T) {
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	good := sign(docSecret, ts, docBody)
	for _, sig := range []string{good, sign("other", ts, docBody), good[:len(good)-2] + "00"} {
		h := slackHeader(sig, ts)
		ours := verifySlack(h, []byte(docBody), docSecret, now) == nil
		sv, err := slack.NewSecretsVerifier(h, docSecret)
		theirs := err == nil
		if theirs {
			_, _ = sv.Write([]byte(docBody))
			theirs = sv.Ensure() == nil
		}
		if ours != theirs {
			t.Errorf("signature %s: ours ok=%v, slack-go ok=%v", sig, ours, theirs)
		}
	}
}

// fakeResponseURL stands in for a Slack response_url: it keeps what was posted.
type fakeResponseURL struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (f *fakeResponseURL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]any
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &m)
	f.mu.Lock()
	f.bodies = append(f.bodies, m)
	f.mu.Unlock()
	_, _ = w.Write([]byte("ok"))
}

func (f *fakeResponseURL) Bodies() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.bodies...)
}

// fakeSilencer is a SilenceStore that keeps what it is asked to store.
type fakeSilencer struct {
	got []alert.Silence
}

func (f *fakeSilencer) AddSilence(_ context.Context, s alert.Silence, _ time.Time) (alert.Silence, error) {
	f.got = append(f.got, s)
	s.ID = "s-1"
	return s, nil
}

func (f *fakeSilencer) Silences(context.Context, time.Time) ([]alert.Silence, error) {
	return f.got, nil
}

func (f *fakeSilencer) ExpireSilence(context.Context, string, time.Time) error {
	return alert.ErrSilenceNotFound
}

type slackRig struct {
	e        *echo.Echo
	st       *threads.Store
	slackMsg *fakeResponseURL
	url      string
	now      time.Time
}

func newSlackRig(t *testing.T, silencer SilenceStore) *slackRig {
	t.Helper()
	_, rs := exampleRules(t)
	return newSlackRigServing(t, silencer, rs)
}

// newSlackRigServing is newSlackRig with the server serving rs.
func newSlackRigServing(t *testing.T, silencer SilenceStore, rs *rules.Ruleset) *slackRig {
	t.Helper()
	cat := catalogtest.New(t)
	rdb, _ := redistest.Mini(t)
	st := threads.New(rdb, "hook", time.Hour)
	fr := &fakeResponseURL{}
	srv := httptest.NewServer(fr)
	t.Cleanup(srv.Close)
	r := &slackRig{st: st, slackMsg: fr, url: srv.URL, now: docNow()}
	log := slog.New(slog.DiscardHandler)
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(log)
	slackRoutes(e, Config{SlackSigningSecret: docSecret}, Deps{Log: log, Now: func() time.Time { return r.now },
		Slack:    SlackActions{Seen: st, Acks: st, Responder: slacknotify.NewResponder(srv.Client())},
		Silences: silencer, Catalog: cat, Rules: fakeRules{rs}})
	r.e = e
	return r
}

// click is the form body Slack posts when someone presses action on page p.
func (r *slackRig) click(t *testing.T, action string) string {
	t.Helper()
	p := alert.Notification{ID: "p-1", Kind: alert.KindFiring, Rule: "live-anchor-gone", Severity: alert.SeverityWarning,
		Title: "User left", Incident: "1400000001/8489",
		Event:    alert.Event{App: "1400000001", Room: "8489"},
		Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall"}}
	m := slacknotify.Render(p, slacknotify.WithButtons())
	v, _ := json.Marshal(slacknotify.ActionValue{Page: p.PageID(), Incident: p.Incident, Rule: p.Rule, App: "1400000001", Room: "8489"})
	payload, err := json.Marshal(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": "U123", "name": "ana"},
		"response_url": r.url + "/actions/T1/1/x",
		"message":      map[string]any{"type": "message", "text": m.Text, "ts": "1.2", "blocks": m.Blocks},
		"actions":      []map[string]any{{"action_id": action, "block_id": slacknotify.ActionsBlockID, "type": "button", "value": string(v)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"payload": {string(payload)}}.Encode()
}

func (r *slackRig) post(body string, h http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(body))
	req.Header = h
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec
}

func (r *slackRig) signed(body string, at time.Time) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	return slackHeader(sign(docSecret, ts, body), ts)
}

func (r *slackRig) acked(t *testing.T) (string, bool) {
	t.Helper()
	by, _, ok, err := r.st.Acknowledged(context.Background(), "1400000001/8489")
	if err != nil {
		t.Fatal(err)
	}
	return by, ok
}

func TestSlackInteractionAcknowledge(t *testing.T) {
	r := newSlackRig(t, nil)
	body := r.click(t, slacknotify.ActionAck)
	h := r.signed(body, r.now)
	if rec := r.post(body, h); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if by, ok := r.acked(t); !ok || by != "U123" {
		t.Errorf("ack state = %q, %v; want U123", by, ok)
	}
	bodies := r.slackMsg.Bodies()
	if len(bodies) != 1 {
		t.Fatalf("message updated %d times, want 1", len(bodies))
	}
	b, _ := json.Marshal(bodies[0])
	for _, want := range []string{`"replace_original":true`, `Acknowledged by \u003c@U123\u003e`, slacknotify.ActionSilenceRoom} {
		if !strings.Contains(string(b), want) {
			t.Errorf("update lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), `"`+slacknotify.ActionAck+`"`) {
		t.Errorf("the Acknowledge button is still there:\n%s", b)
	}

	// The same request again (a replay within the window) acts no more.
	if rec := r.post(body, h); rec.Code != http.StatusOK {
		t.Fatalf("replay status %d", rec.Code)
	}
	if n := len(r.slackMsg.Bodies()); n != 1 {
		t.Errorf("a replay updated the message again (%d updates)", n)
	}
}

func TestSlackInteractionRefused(t *testing.T) {
	tests := []struct {
		name   string
		header func(r *slackRig, body string) http.Header
	}{
		{"forged", func(r *slackRig, body string) http.Header {
			ts := strconv.FormatInt(r.now.Unix(), 10)
			return slackHeader(sign("guessed-secret", ts, body), ts)
		}},
		{"stale", func(r *slackRig, body string) http.Header { return r.signed(body, r.now.Add(-6*time.Minute)) }},
		{"unsigned", func(*slackRig, string) http.Header { return http.Header{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newSlackRig(t, nil)
			body := r.click(t, slacknotify.ActionAck)
			rec := r.post(body, tt.header(r, body))
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", rec.Code)
			}
			if _, ok := r.acked(t); ok {
				t.Error("a refused request acknowledged the incident")
			}
			if n := len(r.slackMsg.Bodies()); n != 0 {
				t.Errorf("a refused request updated the message %d times", n)
			}
		})
	}
}

func TestSlackInteractionSilence(t *testing.T) {
	t.Run("not available", func(t *testing.T) {
		r := newSlackRig(t, nil)
		body := r.click(t, slacknotify.ActionSilenceRoom)
		r.post(body, r.signed(body, r.now))
		bodies := r.slackMsg.Bodies()
		if len(bodies) != 1 || bodies[0]["replace_original"] != false ||
			!strings.Contains(fmt.Sprint(bodies[0]["text"]), "not available") {
			t.Errorf("answer = %v, want an ephemeral 'not available'", bodies)
		}
	})
	for _, tc := range []struct {
		action string
		want   map[string]string
	}{
		{slacknotify.ActionSilenceRoom, map[string]string{"app": "1400000001", "room": "8489"}},
		{slacknotify.ActionSilenceRule, map[string]string{"rule": "live-anchor-gone"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			s := &fakeSilencer{}
			r := newSlackRig(t, s)
			body := r.click(t, tc.action)
			r.post(body, r.signed(body, r.now))
			if len(s.got) != 1 || fmt.Sprint(s.got[0].Matchers) != fmt.Sprint(tc.want) ||
				s.got[0].EndsAt.Sub(s.got[0].StartsAt) != time.Hour || s.got[0].Author != "<@U123>" {
				t.Fatalf("silences = %+v", s.got)
			}
			b, _ := json.Marshal(r.slackMsg.Bodies())
			if !strings.Contains(string(b), "silenced for 1h by \\u003c@U123\\u003e") {
				t.Errorf("message not updated: %s", b)
			}
		})
	}
}

func TestSlackRoutesNeedSecret(t *testing.T) {
	e := echo.New()
	slackRoutes(e, Config{}, Deps{Slack: SlackActions{Seen: nil}})
	rec := serve(e, httptest.NewRequest(http.MethodPost, "/slack/interactions", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d without a signing secret, want 404", rec.Code)
	}
}

// A Silence-rule click for a rule the server no longer has (renamed by a
// reload since the page went out) is refused, not stored to mute nothing.
func TestSlackSilenceOfAGoneRuleIsRefused(t *testing.T) {
	cat := catalogtest.New(t)
	rs, err := rules.Compile("renamed.yaml", []byte("receivers: [{name: c, console: {}}]\ndefault_receiver: c\nrules: [{name: renamed, match: {event: room.exit}}]\n"),
		cat, func(string) string { return "k" })
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSilencer{}
	r := newSlackRigServing(t, s, rs)
	body := r.click(t, slacknotify.ActionSilenceRule)
	r.post(body, r.signed(body, r.now))
	if len(s.got) != 0 {
		t.Fatalf("stored a silence for a rule that does not exist: %+v", s.got)
	}
	b, _ := json.Marshal(r.slackMsg.Bodies())
	if !strings.Contains(string(b), "Could not silence") || !strings.Contains(string(b), "no rule named") {
		t.Errorf("the clicker was not told why: %s", b)
	}
}

// TestSlackInteractionReplayInAnotherCase: hex is case-insensitive, so the
// same signature in upper or mixed case is the same request, replayed.
func TestSlackInteractionReplayInAnotherCase(t *testing.T) {
	r := newSlackRig(t, nil)
	body := r.click(t, slacknotify.ActionAck)
	h := r.signed(body, r.now)
	sig := h.Get("X-Slack-Signature")
	if rec := r.post(body, h); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	mixed := []byte(sig)
	for i := 3; i < len(mixed); i += 2 {
		mixed[i] = strings.ToUpper(string(mixed[i]))[0]
	}
	for _, replay := range []string{"v0=" + strings.ToUpper(sig[3:]), string(mixed)} {
		rh := h.Clone()
		rh.Set("X-Slack-Signature", replay)
		if err := verifySlack(rh, []byte(body), docSecret, r.now); err != nil {
			t.Fatalf("%s does not verify (%v): the test would prove nothing", replay, err)
		}
		if rec := r.post(body, rh); rec.Code != http.StatusOK {
			t.Fatalf("replay %s: status %d", replay, rec.Code)
		}
	}
	if n := len(r.slackMsg.Bodies()); n != 1 {
		t.Errorf("replays in another case acted again (%d updates, want 1)", n)
	}
}
