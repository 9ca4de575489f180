package ceiling

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/bench/workload"
)

type claims struct {
	keys []string
	err  error
}

func (c *claims) Claim(_ context.Context, key string) error {
	c.keys = append(c.keys, key)
	return c.err
}

func TestCallback(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	key := []byte("k")
	signed := func(kind workload.Kind, at time.Time) workload.Request {
		reqs, err := workload.Build(workload.Spec{Kind: kind, Count: 1, Key: key, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		return reqs[0]
	}
	alert := signed(workload.Alerting, now)
	for _, tc := range []struct {
		name      string
		body      string
		sign      string
		claimErr  error
		want      int
		wantClaim string
	}{
		{name: "signed alert", body: string(alert.Body), sign: alert.Sign, want: 200,
			wantClaim: "1400000001/1000000/recorder_0/301/task-"},
		{name: "wrong signature", body: string(alert.Body), sign: workload.Sign([]byte("other"), alert.Body), want: 401},
		{name: "no signature", body: string(alert.Body), want: 401},
		{name: "stale", body: string(signed(workload.Storm, now.Add(-11*time.Minute)).Body),
			sign: signed(workload.Storm, now.Add(-11*time.Minute)).Sign, want: 401},
		{name: "not a callback", body: `{"x":1}`, sign: workload.Sign(key, []byte(`{"x":1}`)), want: 400},
		{name: "redis down", body: string(alert.Body), sign: alert.Sign, claimErr: errors.New("refused"), want: 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &claims{err: tc.claimErr}
			h := New(Config{Key: key, MaxBody: 1 << 20, ReplayWindow: 10 * time.Minute, Now: func() time.Time { return now }}, c)
			req := httptest.NewRequest(http.MethodPost, "/callback", strings.NewReader(tc.body))
			req.Header.Set("SdkAppId", "1400000001")
			if tc.sign != "" {
				req.Header.Set("Sign", tc.sign)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if tc.wantClaim != "" && (len(c.keys) != 1 || !strings.HasPrefix(c.keys[0], tc.wantClaim)) {
				t.Errorf("claims %q, want one starting %q", c.keys, tc.wantClaim)
			}
			if tc.want != 200 && tc.want != 503 && len(c.keys) > 0 {
				t.Errorf("claimed %q for a refused callback", c.keys)
			}
		})
	}
}

func TestParseFlagsNeedsKey(t *testing.T) {
	env := func(string) string { return "" }
	if _, err := ParseFlags("hmac", nil, env, &strings.Builder{}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("err %v, want ErrNoKey", err)
	}
}
