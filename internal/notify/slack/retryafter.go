package slack

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// NewHTTPClient is the HTTP client for the Slack Web API. Slack may give
// a 429's Retry-After as an HTTP date rather than seconds; slack-go reads only
// seconds and otherwise fails with a parse error that looks permanent, so the
// transport rewrites a date into seconds before slack-go sees it.
func NewHTTPClient(timeout time.Duration, now func() time.Time) *http.Client {
	return &http.Client{Timeout: timeout, Transport: retryAfterSeconds{next: http.DefaultTransport, now: now}}
}

type retryAfterSeconds struct {
	next http.RoundTripper
	now  func() time.Time
}

func (t retryAfterSeconds) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	ra := resp.Header.Get("Retry-After")
	if _, err := strconv.ParseInt(ra, 10, 64); ra == "" || err == nil {
		return resp, nil
	}
	secs := int64(1) // unreadable: wait a little, then retry with backoff
	if at, err := http.ParseTime(ra); err == nil {
		secs = max(1, int64(math.Ceil(at.Sub(t.now()).Seconds())))
	}
	resp.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
	return resp, nil
}
