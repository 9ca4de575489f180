package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookdev/hook/bench/workload"
)

// maxFailures is how many non-200 answers a run keeps to show.
const maxFailures = 5

// GoEngine is the in-process load generator: one goroutine per connection,
// each with its own keep-alive connection, sending back to back.
type GoEngine struct{}

// Name implements Engine.
func (GoEngine) Name() string { return "go" }

// Run implements Engine.
func (GoEngine) Run(ctx context.Context, t Target, l Load, reqs []workload.Request) (Result, error) {
	if len(reqs) == 0 {
		return Result{}, fmt.Errorf("no requests to send")
	}
	if l.Conns <= 0 || l.Duration <= 0 {
		return Result{}, fmt.Errorf("need positive connections and duration, got %d and %s", l.Conns, l.Duration)
	}
	ctx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()
	var (
		next  atomic.Int64
		mu    sync.Mutex
		total histogram
		res   Result
		wg    sync.WaitGroup
	)
	start := time.Now()
	for range l.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{client: newClient(), target: t}
			for ctx.Err() == nil {
				n := int(next.Add(1)) - 1
				if l.Count > 0 && n >= l.Count {
					break
				}
				w.send(ctx, reqs[n%len(reqs)])
			}
			w.client.CloseIdleConnections()
			mu.Lock()
			defer mu.Unlock()
			total.merge(&w.hist)
			res.Requests += w.ok + w.non200
			res.Non200 += w.non200
			res.Errors += w.errors
			for _, f := range w.failures {
				if len(res.Failures) < maxFailures {
					res.Failures = append(res.Failures, f)
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.P50, res.P99 = total.quantile(0.50), total.quantile(0.99)
	return res, nil
}

// newClient returns a client with a single connection of its own, so a run
// holds exactly Conns connections.
func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true,
	}, Timeout: 10 * time.Second}
}

type worker struct {
	client     *http.Client
	target     Target
	hist       histogram
	ok, non200 int
	errors     int
	failures   []string
}

func (w *worker) send(ctx context.Context, r workload.Request) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.target.URL, bytes.NewReader(r.Body))
	if err != nil {
		w.errors++
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("SdkAppId", w.target.AppID)
	req.Header.Set("Sign", r.Sign)
	began := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		if ctx.Err() == nil { // a request cut short by the end of the run is not an error
			w.errors++
		}
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if err != nil {
		if ctx.Err() == nil {
			w.errors++
		}
		return
	}
	w.hist.record(time.Since(began))
	if resp.StatusCode == http.StatusOK {
		w.ok++
		return
	}
	w.non200++
	if len(w.failures) < maxFailures {
		w.failures = append(w.failures, fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(body)))
	}
}
