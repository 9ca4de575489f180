package slack

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/notify"
)

// A 429 whose Retry-After is an HTTP date is still a rate limit, waited out
// for as long as the date says.
func TestSlackRetryAfterAsDate(t *testing.T) {
	now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{"7", 7 * time.Second},
		{"soon", time.Second},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", tc.header)
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		client := goslack.New("xoxb-test", goslack.OptionAPIURL(srv.URL+"/api/"),
			goslack.OptionHTTPClient(NewHTTPClient(5*time.Second, func() time.Time { return now })))
		retry, err := NewAPI(client, nil, nil).Send(context.Background(), samplePage())
		srv.Close()
		var ra *notify.RetryAfterError
		if !retry || !errors.As(err, &ra) || ra.After != tc.want {
			t.Errorf("Retry-After %q: retry=%v err=%v, want a notify.RetryAfterError of %s", tc.header, retry, err, tc.want)
		}
	}
}
