package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/notify"
)

const secretPath = "/services/T0000/B0000/SECRETtoken123"

func TestSlackWebhookPosts(t *testing.T) {
	var got struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		_ = json.NewDecoder(r.Body).Decode(&got)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()

	p := samplePage()
	retry, err := NewWebhook(srv.URL+secretPath, srv.Client()).Send(context.Background(), p)
	if err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	want := Render(p)
	wantBlocks, _ := json.Marshal(want.Blocks)
	if path != secretPath || got.Text != want.Text || string(got.Blocks) != string(wantBlocks) {
		t.Errorf("posted path %q text %q blocks %s\nwant text %q blocks %s", path, got.Text, got.Blocks, want.Text, wantBlocks)
	}
}

func TestSlackWebhookErrors(t *testing.T) {
	reply := func(code int, body string, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(code)
			_, _ = io.WriteString(w, body)
		}
	}
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantRetry bool
		wantAfter time.Duration
		wantInErr string
	}{
		{"429 retry-after", reply(429, "rate_limited", "Retry-After", "2"), true, 2 * time.Second, "rate limit"},
		{"429 bare", reply(429, "rate_limited"), true, 0, "429"},
		{"429 http-date retry-after", reply(429, "rate_limited", "Retry-After", "Fri, 27 Nov 2026 03:50:00 GMT"), true, 0, "429"},
		{"500", reply(500, "<html>server error</html>"), true, 0, "500"},
		{"503 service_unavailable", reply(503, "service_unavailable"), true, 0, "service_unavailable"},
		{"404 channel_not_found", reply(404, "channel_not_found"), false, 0, "channel_not_found"},
		{"404 no_service", reply(404, "no_service"), false, 0, "no_service"},
		{"400 invalid_payload", reply(400, "invalid_payload"), false, 0, "invalid_payload"},
		{"410 channel_is_archived", reply(410, "channel_is_archived"), false, 0, "channel_is_archived"},
		{"403 unknown code", reply(403, "something_new"), false, 0, "403"},
		// An error page echoing the URL must not smuggle it into the error.
		{"400 body echoes url", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			_, _ = fmt.Fprintf(w, "bad request for http://%s%s", r.Host, r.URL.Path)
		}, false, 0, "400"},
		{"timeout", func(w http.ResponseWriter, _ *http.Request) {
			time.Sleep(300 * time.Millisecond)
		}, true, 0, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			hookURL := srv.URL + secretPath
			client := srv.Client()
			client.Timeout = 5 * time.Second // only the timeout case may time out
			if tt.wantInErr == "timeout" {
				client.Timeout = 50 * time.Millisecond
			}

			retry, err := NewWebhook(hookURL, client).Send(context.Background(), samplePage())
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
			assertNoSecret(t, err, hookURL)
		})
	}
}

func TestSlackWebhookTransportErrorsHideURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	closedURL := srv.URL + secretPath
	srv.Close() // connection refused from now on

	tests := []struct {
		name      string
		url       string
		ctx       func() (context.Context, context.CancelFunc)
		wantRetry bool
	}{
		{"connection refused", closedURL, nil, true},
		{"malformed url", "http://[::1" + secretPath, nil, false},
		{"context canceled", closedURL, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, func() {}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.Background(), func() {}
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			w := NewWebhook(tt.url, &http.Client{Timeout: 100 * time.Millisecond})
			retry, err := w.Send(ctx, samplePage())
			if err == nil {
				t.Fatal("want an error")
			}
			if retry != tt.wantRetry {
				t.Errorf("retry = %v, want %v (err %v)", retry, tt.wantRetry, err)
			}
			assertNoSecret(t, err, tt.url)
			for _, s := range []string{fmt.Sprint(w), fmt.Sprintf("%+v", w), fmt.Sprintf("%#v", w)} {
				if strings.Contains(s, "SECRET") {
					t.Errorf("formatting the sender leaks the URL: %s", s)
				}
			}
		})
	}
}

// assertNoSecret checks every error in the chain, since a logger may print
// any of them.
func assertNoSecret(t *testing.T, err error, hookURL string) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if msg := e.Error(); strings.Contains(msg, hookURL) || strings.Contains(msg, "SECRET") {
			t.Errorf("error leaks the webhook URL: %q", msg)
		}
	}
}
