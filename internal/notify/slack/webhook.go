package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
)

// redacted replaces the webhook URL wherever it would appear in an error.
const redacted = "[webhook url redacted]"

// Webhook posts pages through a Slack incoming webhook. It sends the same
// blocks and text as API but cannot thread or edit: a webhook returns no
// message ts to reply to.
//
// The URL is a credential (anyone holding it can post to the channel), so it is
// kept out of every error and out of the sender's own formatting.
type Webhook struct {
	url    string
	client *http.Client
	// TRTCConsole is the base of the pages' TRTC console link (see
	// WithTRTCConsole); "" is words.DefaultTRTCConsole.
	TRTCConsole string
}

// NewWebhook returns a webhook sender. A nil httpClient gets one with a
// 10s timeout, since http.DefaultClient would let a hung Slack hold a worker
// forever.
func NewWebhook(url string, httpClient *http.Client) *Webhook {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Webhook{url: url, client: httpClient}
}

// String keeps the URL out of %v and slog output of the sender.
func (w *Webhook) String() string { return "slack webhook" }

// GoString keeps the URL out of %#v.
func (w *Webhook) GoString() string { return "slack.Webhook{" + redacted + "}" }

// Send posts p. See classify for which failures are retried.
func (w *Webhook) Send(ctx context.Context, p alert.Notification) (bool, error) {
	m := Render(p, WithTRTCConsole(w.TRTCConsole))
	msg := &goslack.WebhookMessage{Text: m.Text, Blocks: &goslack.Blocks{BlockSet: m.Blocks}}

	// slack-go drops the body of a non-200 reply, but for webhooks the body is
	// the only place the reason is given ("channel_not_found"), so a per-call
	// client copy records it on the way through.
	capture := &bodyCapture{base: w.client.Transport}
	if capture.base == nil {
		capture.base = http.DefaultTransport
	}
	client := *w.client
	client.Transport = capture

	err := goslack.PostWebhookCustomHTTPContext(ctx, w.url, &client, msg)
	if err == nil {
		return false, nil
	}
	return classify("webhook", w.sanitize(err, capture))
}

// sanitize rebuilds err without the URL, keeping the types classify looks for.
func (w *Webhook) sanitize(err error, c *bodyCapture) error {
	var rl *goslack.RateLimitedError
	if errors.As(err, &rl) {
		return rl
	}
	var sc goslack.StatusCodeError
	if errors.As(err, &sc) {
		return &webhookError{status: sc.Code, code: c.code(), err: sc}
	}
	if c.status == http.StatusTooManyRequests {
		// slack-go only understands Retry-After in seconds and fails on the
		// HTTP-date form; it is still a rate limit, retried with our backoff.
		return &webhookError{status: c.status, code: c.code(),
			err: goslack.StatusCodeError{Code: c.status, Status: "429 Too Many Requests"}}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// slack-go's own wrapper already has the URL baked into its message,
		// so keep only the url.Error, with its URL field redacted.
		ue.URL = redacted
		err = ue
	}
	if msg := err.Error(); w.leaks(msg) {
		// Last resort for shapes we did not foresee: lose the chain, not the secret.
		return errors.New(w.redact(msg))
	}
	return err
}

func (w *Webhook) leaks(s string) bool {
	return w.url != "" && strings.Contains(s, w.url) || w.secretPath() != "" && strings.Contains(s, w.secretPath())
}

func (w *Webhook) redact(s string) string {
	if w.url != "" {
		s = strings.ReplaceAll(s, w.url, redacted)
	}
	if p := w.secretPath(); p != "" {
		s = strings.ReplaceAll(s, p, redacted)
	}
	return s
}

// secretPath is the token-bearing path (/services/T…/B…/…), which may show up
// without the scheme and host.
func (w *Webhook) secretPath() string {
	u, err := url.Parse(w.url)
	if err != nil || len(u.Path) < 2 {
		return ""
	}
	return u.Path
}

// webhookError is a non-200 webhook reply with Slack's reason from the body.
type webhookError struct {
	status int
	code   string // e.g. "channel_not_found"; "" if the body was not a code
	err    error
}

func (e *webhookError) Error() string {
	if e.code == "" {
		return e.err.Error()
	}
	return fmt.Sprintf("%v: %s", e.err, e.code)
}

func (e *webhookError) Unwrap() error { return e.err }

// bodyCapture is a RoundTripper that keeps the start of a non-200 body.
type bodyCapture struct {
	base   http.RoundTripper
	status int
	body   string
}

func (c *bodyCapture) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil || resp.StatusCode == http.StatusOK {
		return resp, err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_ = resp.Body.Close()
	c.status, c.body = resp.StatusCode, string(b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// code returns the body if it looks like a Slack error code. Anything else (an
// HTML error page, which might even echo the URL) stays out of the error.
func (c *bodyCapture) code() string {
	s := strings.TrimSpace(c.body)
	if s == "" || len(s) > 64 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return ""
		}
	}
	return s
}
