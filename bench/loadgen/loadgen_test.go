package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookdev/hook/bench/workload"
)

// server answers 200 to bodies signed with key, 401 otherwise, and counts.
func server(t *testing.T, key string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("SdkAppId") != "1400000001" || r.Header.Get("Sign") != workload.Sign([]byte(key), body) {
			http.Error(w, `{"code":401,"message":"signature does not match body"}`, http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"code":0}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func requests(t *testing.T, key string, n int) []workload.Request {
	t.Helper()
	reqs, err := workload.Build(workload.Spec{Kind: workload.Storm, Count: n, Key: []byte(key), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return reqs
}

func engines(t *testing.T) []Engine {
	es := []Engine{GoEngine{}}
	if bin, err := exec.LookPath("wrk"); err == nil {
		es = append(es, Wrk{Bin: bin, Dir: t.TempDir()})
	} else {
		t.Log("wrk is not installed: testing the Go engine only")
	}
	return es
}

// A counted run sends about Count requests, signed as the server expects,
// and ends when they are answered, not at the duration.
func TestCountedRun(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.Name(), func(t *testing.T) {
			srv, served := server(t, "k")
			const count = 200
			l := Load{Threads: 2, Conns: 4, Duration: time.Minute, Count: count}
			began := time.Now()
			res, err := e.Run(context.Background(), Target{URL: srv.URL, AppID: "1400000001"}, l, requests(t, "k", 50))
			if err != nil {
				t.Fatal(err)
			}
			// Generous: the point is that a counted run does not wait out its duration.
			if took := time.Since(began); took > 30*time.Second {
				t.Errorf("a counted run took %s", took)
			}
			if res.Requests < count || res.Requests > count+l.Conns {
				t.Errorf("%d requests, want %d (+ at most one per connection)", res.Requests, count)
			}
			if int(served.Load()) < res.Requests {
				t.Errorf("server saw %d requests, the engine reports %d", served.Load(), res.Requests)
			}
			if res.Non200 != 0 || res.Errors != 0 {
				t.Errorf("non-200 %d, errors %d: %v", res.Non200, res.Errors, res.Failures)
			}
			if res.P50 <= 0 || res.P99 < res.P50 {
				t.Errorf("p50 %s, p99 %s", res.P50, res.P99)
			}
		})
	}
}

// Answers other than 200 are counted, and the Go engine keeps a few.
func TestNon200Counted(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.Name(), func(t *testing.T) {
			srv, _ := server(t, "right")
			res, err := e.Run(context.Background(), Target{URL: srv.URL, AppID: "1400000001"},
				Load{Threads: 1, Conns: 2, Duration: time.Minute, Count: 20}, requests(t, "wrong", 10))
			if err != nil {
				t.Fatal(err)
			}
			if res.Non200 != res.Requests || res.Requests == 0 {
				t.Errorf("%d non-200 of %d", res.Non200, res.Requests)
			}
			if e.Name() == "go" && (len(res.Failures) == 0 || !strings.HasPrefix(res.Failures[0], "401 ")) {
				t.Errorf("failures %q", res.Failures)
			}
		})
	}
}

func TestParseWrk(t *testing.T) {
	out, err := os.ReadFile("testdata/wrk.txt")
	if err != nil {
		t.Fatal(err)
	}
	res, err := parseWrk(string(out))
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Requests: 297148, Elapsed: 10010 * time.Millisecond, P50: 1950 * time.Microsecond,
		P99: 7110 * time.Microsecond, Non200: 12, Errors: 10}
	if res.Requests != want.Requests || res.Elapsed != want.Elapsed || res.P50 != want.P50 || res.P99 != want.P99 ||
		res.Non200 != want.Non200 || res.Errors != want.Errors {
		t.Errorf("got %+v, want %+v", res, want)
	}
	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused"); err == nil {
		t.Error("no error for output without a summary")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []time.Duration
		q      float64
		want   time.Duration
	}{
		{"exact below 64µs", []time.Duration{10 * time.Microsecond, 20 * time.Microsecond, 30 * time.Microsecond}, 0.5, 20 * time.Microsecond},
		{"p99 of a tail", append(repeat(time.Millisecond, 98), 50*time.Millisecond, 50*time.Millisecond), 0.99, 50 * time.Millisecond},
		{"p50 of a tail", append(repeat(time.Millisecond, 98), 50*time.Millisecond, 50*time.Millisecond), 0.50, time.Millisecond},
		{"empty", nil, 0.5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h histogram
			for _, v := range tc.values {
				h.record(v)
			}
			got := h.quantile(tc.q)
			// Buckets are under 1.6% wide, and report their lower bound.
			if got > tc.want || float64(got) < float64(tc.want)*0.984 {
				t.Errorf("quantile(%v) = %s, want about %s", tc.q, got, tc.want)
			}
		})
	}
	for us := uint64(0); us < 1<<20; us += 7 {
		if lb := lowerBound(bucketOf(us)); lb > us || float64(us-lb) > float64(us)/64 {
			t.Fatalf("%d µs falls in a bucket starting at %d", us, lb)
		}
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}
