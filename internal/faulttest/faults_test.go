//go:build fault

package faulttest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// trtcBudget is how long TRTC waits for an answer to one attempt.
const trtcBudget = 5 * time.Second

// world is one fault test's Redis, fake Slack and TRTC.
type world struct {
	t     *testing.T
	redis *redisServer
	slack *fakeSlack
	cb    *trtc
}

func newWorld(t *testing.T, aof bool) *world {
	t.Parallel()
	return &world{t: t, redis: newRedis(t, aof), slack: newSlack(t), cb: newTRTC(t)}
}

// hook starts a replica named consumer; extra tunes its environment.
func (w *world) hook(consumer string, extra map[string]string) *hookProc {
	env := hookEnv(consumer)
	env["HOOK_REDIS_URL"] = w.redis.url()
	env["SLACK_API_URL"] = w.slack.apiURL()
	for k, v := range extra {
		env[k] = v
	}
	return startHook(w.t, env)
}

func get(url string) (int, string, time.Duration) {
	start := time.Now()
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Get(url)
	took := time.Since(start)
	if err != nil {
		return 0, err.Error(), took
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), took
}

// TestSlackDownThenBack: Slack answers 500 for 20 s (minutes, scaled: the
// retry cap is 2 s here for 20 s by default) while pages queue. Nothing is
// lost or sent twice, and paging resumes within the retry cap of Slack's
// recovery, then drains at the rate limit.
func TestSlackDownThenBack(t *testing.T) {
	w := newWorld(t, false)
	w.redis.start()
	const outage, retryMax = 20 * time.Second, 2 * time.Second
	var down atomic.Bool
	down.Store(true)
	w.slack.setDecide(func(attempt) answer {
		if down.Load() {
			return answer{status: http.StatusInternalServerError}
		}
		return answer{}
	})
	h := w.hook("r1", map[string]string{"HOOK_RETRY_MAX": retryMax.String()})
	start := time.Now()
	w.cb.sendAll(h.url, 1, 11)
	time.Sleep(outage - time.Since(start))
	recovered := time.Now()
	down.Store(false)

	ty := settle(t, h, w.slack, w.cb, time.Minute)
	t.Logf("slack 500 for %s: %s", outage, ty)
	if ty.accepted != 10 || ty.delivered != 10 || ty.deadLettered != 0 || ty.duplicates != 0 {
		t.Errorf("want 10 accepted and delivered once each, none dead-lettered: %s", ty)
	}
	posts := w.slack.Posts()
	first, last := posts[0].at.Sub(recovered), posts[len(posts)-1].at.Sub(recovered)
	t.Logf("measure: first page %s after Slack recovered, all 10 after %s (retry cap %s)", first.Round(time.Millisecond), last.Round(time.Millisecond), retryMax)
	// The wait between probes is at most the cap; the margin absorbs a slow machine.
	if first > 2*retryMax {
		t.Errorf("first page %s after Slack recovered, want within about the %s retry cap", first, retryMax)
	}
	var lastAttempt time.Time
	for _, a := range w.slack.Attempts() {
		if !lastAttempt.IsZero() && a.at.Before(recovered) {
			if gap := a.at.Sub(lastAttempt); gap > 2*retryMax {
				t.Errorf("%s between two probes of the channel during the outage, want at most about %s", gap, retryMax)
			}
		}
		lastAttempt = a.at
	}
}

// TestSlack429RetryAfter: every page's first post gets 429 with a
// Retry-After longer than the retry cap, and one page is refused for good
// (invalid_blocks). Each 429 is waited out as Slack asked, every page is
// delivered once, and the refused one is dead-lettered, not lost.
func TestSlack429RetryAfter(t *testing.T) {
	w := newWorld(t, false)
	w.redis.start()
	const refusedRoom = 99
	w.slack.setDecide(func(a attempt) answer {
		switch {
		case a.room == refusedRoom:
			return answer{slackError: "invalid_blocks"}
		case a.n == 1:
			return answer{status: http.StatusTooManyRequests, retryAfter: "2"}
		}
		return answer{}
	})
	h := w.hook("r1", map[string]string{"HOOK_RETRY_MAX": "1s"})
	w.cb.sendAll(h.url, 1, 5)
	w.cb.sendAll(h.url, refusedRoom, refusedRoom+1)

	ty := settle(t, h, w.slack, w.cb, time.Minute)
	t.Logf("slack 429 Retry-After 2 on every first post: %s", ty)
	if ty.accepted != 5 || ty.delivered != 4 || ty.deadLettered != 1 || ty.duplicates != 0 {
		t.Errorf("want 5 accepted, 4 delivered once, 1 dead-lettered: %s", ty)
	}
	first := map[string]time.Time{}
	for _, a := range w.slack.Attempts() {
		switch {
		case a.room == refusedRoom:
		case a.n == 1:
			first[a.page] = a.at
		case a.at.Sub(first[a.page]) < 2*time.Second-50*time.Millisecond:
			t.Errorf("page %s retried %s after its 429, want at least Retry-After 2s", a.page, a.at.Sub(first[a.page]))
		}
	}
}

// TestSIGKILLMidDelivery: hook is killed (kill -9) while Slack holds a post
// it has accepted; the restarted replica (same HOOK_CONSUMER) resumes its
// pages at once. Nothing is lost; the page whose outcome hook never learnt
// is the only one sent twice (at most one duplicate per crash).
func TestSIGKILLMidDelivery(t *testing.T) {
	w := newWorld(t, false)
	w.redis.start()
	w.slack.setDecide(func(a attempt) answer { return answer{hang: a.room == 1 && a.n == 1} })
	h1 := w.hook("r1", nil)
	w.cb.sendAll(h1.url, 1, 6)
	select {
	case <-w.slack.hanging:
	case <-time.After(30 * time.Second):
		t.Fatal("no post reached Slack")
	}
	h1.kill()
	h2 := w.hook("r1", nil)

	ty := settle(t, h2, w.slack, w.cb, time.Minute)
	t.Logf("kill -9 with a post in flight: %s (duplicated: %v)", ty, ty.dupPages)
	if ty.accepted != 5 || ty.delivered != 5 || len(ty.lost) != 0 {
		t.Errorf("want 5 accepted and delivered: %s", ty)
	}
	if ty.duplicates > 1 {
		t.Errorf("%d duplicates after one crash, want at most 1", ty.duplicates)
	}
}

// TestRedisRestartedFromAOF: Redis (appendonly yes, fsync always) is killed
// with -9 while pages wait for a failing Slack, and restarted on the same
// port and directory. Callbacks meanwhile get 503 in time (TRTC retries
// them); every page accepted before the crash survives it and is delivered
// once, by the same hook process, which reconnects by itself.
func TestRedisRestartedFromAOF(t *testing.T) {
	w := newWorld(t, true)
	w.redis.start()
	var slackDown atomic.Bool
	slackDown.Store(true)
	w.slack.setDecide(func(attempt) answer {
		if slackDown.Load() {
			return answer{status: http.StatusBadGateway}
		}
		return answer{}
	})
	h := w.hook("r1", map[string]string{"HOOK_RETRY_MAX": "1s"})
	w.cb.sendAll(h.url, 1, 9)

	w.redis.kill()
	var retry []int
	for room := 101; room < 104; room++ {
		a := w.cb.send(h.url, room)
		if a.status != http.StatusServiceUnavailable || a.latency >= trtcBudget {
			t.Errorf("callback while Redis is down: %d in %s (%v), want 503 within %s", a.status, a.latency, a.err, trtcBudget)
		}
		retry = append(retry, room)
	}
	w.redis.start()
	waitFor(t, 30*time.Second, "/readyz 200 after the restart", func() bool {
		code, _, _ := get(h.url + "/readyz")
		return code == http.StatusOK
	})
	for _, room := range retry { // TRTC retries what got 503
		if a := w.cb.send(h.url, room); a.status != http.StatusOK {
			t.Errorf("retried callback for room %d after the restart: %d %v", room, a.status, a.err)
		}
	}
	slackDown.Store(false)

	ty := settle(t, h, w.slack, w.cb, time.Minute)
	t.Logf("redis kill -9 and restart from AOF: %s", ty)
	if ty.accepted != 11 || ty.refused != 3 || ty.delivered != 11 || ty.duplicates != 0 {
		t.Errorf("want 11 accepted (3 after a 503 and a retry) and delivered once: %s", ty)
	}
}

// TestRedisHung: Redis is stopped (SIGSTOP) for HOOK_FAULT_HANG (10 s)
// while callbacks keep coming. Every callback gets 503 (an answer, not a
// dropped connection) well inside TRTC's 5 s, /readyz answers 503 within
// its 2 s bound, goroutines stay flat, and after SIGCONT everything resumes
// by itself: callbacks 200 again, every accepted page delivered.
func TestRedisHung(t *testing.T) {
	w := newWorld(t, false)
	w.redis.start()
	hang := 10 * time.Second
	if s := os.Getenv("HOOK_FAULT_HANG"); s != "" {
		var err error
		if hang, err = time.ParseDuration(s); err != nil {
			t.Fatalf("HOOK_FAULT_HANG=%q: %v", s, err)
		}
	}
	h := w.hook("r1", nil)
	w.cb.sendAll(h.url, 1, 4)
	waitFor(t, 30*time.Second, "the first pages", func() bool { return len(w.slack.Posts()) == 3 })
	baseGoroutines, _ := metric(h, "go_goroutines")

	w.redis.signal(syscall.SIGSTOP)
	stopped := time.Now()
	var mu sync.Mutex
	var during []callbackAnswer
	var readyz []time.Duration
	var readyzCodes []int
	var goroutines, rss float64
	var wg sync.WaitGroup
	var room atomic.Int64
	room.Store(1000)
	senders := 4
	if s := os.Getenv("HOOK_FAULT_SENDERS"); s != "" {
		var err error
		if senders, err = strconv.Atoi(s); err != nil || senders < 1 {
			t.Fatalf("HOOK_FAULT_SENDERS=%q: want a positive number", s)
		}
	}
	for range senders {
		wg.Go(func() {
			for time.Since(stopped) < hang-trtcBudget {
				a := w.cb.send(h.url, int(room.Add(1)))
				mu.Lock()
				during = append(during, a)
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for time.Since(stopped) < hang-trtcBudget {
			code, _, took := get(h.url + "/readyz")
			g, _ := metric(h, "go_goroutines")
			m, _ := metric(h, "process_resident_memory_bytes")
			mu.Lock()
			readyz, readyzCodes = append(readyz, took), append(readyzCodes, code)
			goroutines, rss = max(goroutines, g), max(rss, m)
			mu.Unlock()
		}
	})
	wg.Wait()
	time.Sleep(hang - time.Since(stopped))
	w.redis.signal(syscall.SIGCONT)
	resumed := time.Now()

	var recovery time.Duration
	for {
		a := w.cb.send(h.url, int(room.Add(1)))
		if a.status == http.StatusOK {
			recovery = time.Since(resumed)
			break
		}
		if time.Since(resumed) > 30*time.Second {
			t.Fatalf("no callback accepted within 30s of SIGCONT; last: %d %v", a.status, a.err)
		}
	}

	var latencies []time.Duration
	for _, a := range during {
		latencies = append(latencies, a.latency)
		if a.status != http.StatusServiceUnavailable || a.latency >= trtcBudget {
			t.Errorf("callback during the hang: %d in %s (%v), want 503 within TRTC's %s", a.status, a.latency, a.err, trtcBudget)
		}
	}
	for i, d := range readyz {
		if readyzCodes[i] != http.StatusServiceUnavailable || d >= 2*time.Second {
			t.Errorf("/readyz during the hang: %d in %s, want 503 within 2s", readyzCodes[i], d)
		}
	}
	t.Logf("measure: redis stopped %s: %d callbacks from %d senders, 503 after p50 %s, max %s; /readyz 503 after p50 %s, max %s",
		hang, len(during), senders, percentile(latencies, 50).Round(time.Millisecond), percentile(latencies, 100).Round(time.Millisecond),
		percentile(readyz, 50).Round(time.Millisecond), percentile(readyz, 100).Round(time.Millisecond))
	t.Logf("measure: goroutines %.0f before, at most %.0f during the hang; RSS at most %.1f MiB; first callback accepted %s after SIGCONT",
		baseGoroutines, goroutines, rss/(1<<20), recovery.Round(time.Millisecond))
	// Each sender holds one request; /readyz and /metrics one more each.
	if limit := baseGoroutines + float64(4*senders+20); goroutines > limit {
		t.Errorf("%.0f goroutines during the hang, want at most %.0f: callbacks pile up", goroutines, limit)
	}

	ty := settle(t, h, w.slack, w.cb, time.Minute)
	// A callback whose script reached Redis before the deadline is run when
	// Redis resumes: answered 503, it still pages (once: TRTC's retry of it
	// is then a duplicate the dedup claim absorbs).
	t.Logf("redis SIGSTOP %s: %s; pages of 503'd callbacks Redis ran on resuming: %d", hang, ty, ty.delivered-ty.accepted)
	if len(ty.lost) != 0 || ty.duplicates != 0 {
		t.Errorf("want every accepted page delivered once: %s", ty)
	}
}

// TestTwoReplicasSameCallbacks: two replicas get every callback (TRTC's
// retries and a load balancer spread them). Then replica r1 alone is cut off
// from Redis for longer than HOOK_RECLAIM_IDLE, so r2 takes over the pages
// r1 holds; then Redis itself goes down for both (kill -9, restarted from
// its AOF) for longer than that again. Each page is delivered, and only a
// page whose send outcome Redis never learnt (its ack failed) may be
// delivered twice: a replica sends only pages it still holds and drops
// those taken over.
func TestTwoReplicasSameCallbacks(t *testing.T) {
	w := newWorld(t, true)
	w.redis.start()
	tune := map[string]string{"HOOK_RECLAIM_IDLE": "3s", "HOOK_RETRY_MAX": "1s"}
	cut := newProxy(t, fmt.Sprintf("127.0.0.1:%d", w.redis.port))
	r1 := w.hook("r1", withEnv(tune, "HOOK_REDIS_URL", "redis://"+cut.addr()+"/0"))
	r2 := w.hook("r2", tune)
	replicas := []*hookProc{r1, r2}
	sendBoth := func(from, to int) {
		for room := from; room < to; room++ {
			var wg sync.WaitGroup
			for _, h := range replicas {
				wg.Go(func() { w.cb.send(h.url, room) })
			}
			wg.Wait()
		}
	}
	sendBoth(1, 13)
	cut.setCut(true) // r1 alone loses Redis, holding pages
	sendBoth(13, 17) // r1 answers 503, r2 accepts
	time.Sleep(5 * time.Second)
	cut.setCut(false)
	waitFor(t, 30*time.Second, "r1 to hear from Redis again", func() bool {
		code, _, _ := get(r1.url + "/readyz")
		return code == http.StatusOK
	})
	w.redis.kill() // and now both lose it
	time.Sleep(4 * time.Second)
	w.redis.start()
	sendBoth(17, 21)

	ty := settle(t, r2, w.slack, w.cb, 90*time.Second)
	unknown := unknownOutcomes(replicas...)
	t.Logf("two replicas, every callback to both; r1 cut off 5s, then redis down 4s for both (reclaim idle 3s): %s; sends with an unknown outcome: %d",
		ty, len(unknown))
	if len(w.cb.Accepted()) != 20 || ty.delivered != 20 || len(ty.lost) != 0 {
		t.Errorf("want 20 rooms accepted and delivered: %s", ty)
	}
	for _, p := range ty.dupPages {
		if !unknown[p] {
			t.Errorf("page %s delivered twice, though every send of it was acknowledged", p)
		}
	}
	for _, h := range replicas {
		t.Logf("%s: %d takeovers of idle pages, %d drops of pages taken over", h.name,
			len(h.logs("reclaimed pages")), len(h.logs("pages taken over"))+len(h.logs("page now held by another")))
	}
}

// withEnv is env with k set to v.
func withEnv(env map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k2, v2 := range env {
		if k2 != k {
			out[k2] = v2
		}
	}
	return out
}

// TestSIGTERMUnderLoad: SIGTERM while callbacks keep coming and sends are
// in flight (Slack answers slowly). hook exits 0; every request it took is
// answered; the restarted replica delivers the rest; nothing is lost or
// sent twice (a graceful stop finishes its sends and acks them).
func TestSIGTERMUnderLoad(t *testing.T) {
	w := newWorld(t, false)
	w.redis.start()
	w.slack.setDecide(func(attempt) answer {
		time.Sleep(300 * time.Millisecond)
		return answer{}
	})
	h1 := w.hook("r1", nil)
	var room atomic.Int64
	var wg sync.WaitGroup
	var refused, reset atomic.Int64
	for range 3 {
		wg.Go(func() {
			for {
				a := w.cb.send(h1.url, int(room.Add(1)))
				switch {
				case a.err == nil:
					// A steady trickle: each callback is a page, and one
					// channel takes one a second.
					time.Sleep(400 * time.Millisecond)
					continue
				case errors.Is(a.err, syscall.ECONNREFUSED):
					refused.Add(1)
				default:
					// Not yet accepted by the closing listener: the kernel resets it.
					reset.Add(1)
				}
				return
			}
		})
	}
	waitFor(t, 30*time.Second, "sends under way", func() bool { return len(w.slack.Attempts()) >= 2 })
	if code := h1.terminate(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	wg.Wait()
	for _, a := range w.cb.Answers() {
		if a.err == nil && a.status != http.StatusOK {
			t.Errorf("callback for room %d answered %d during shutdown", a.room, a.status)
		}
	}
	if !strings.Contains(h1.stderr.String(), "shutting down") {
		t.Errorf("no shutdown in the log:\n%s", h1.stderr)
	}
	h2 := w.hook("r1", nil)
	ty := settle(t, h2, w.slack, w.cb, 2*time.Minute)
	t.Logf("SIGTERM under load: %s; after the listener closed: %d refused, %d reset (TRTC retries those)",
		ty, refused.Load(), reset.Load())
	if len(ty.lost) != 0 || ty.duplicates != 0 || ty.delivered != ty.accepted {
		t.Errorf("want every accepted page delivered once: %s", ty)
	}
}

// TestRedisDownAtStartup: hook starts with no Redis: /healthz 200, /readyz
// and callbacks 503, the log says why; once Redis comes, hook is ready and
// pages without a restart.
func TestRedisDownAtStartup(t *testing.T) {
	w := newWorld(t, false)
	h := w.hook("r1", nil)
	if code, _, _ := get(h.url + "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d without Redis, want 200", code)
	}
	if code, body, took := get(h.url + "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "Redis") || took >= 2*time.Second {
		t.Errorf("/readyz without Redis: %d %s in %s, want 503 naming Redis within 2s", code, body, took)
	}
	if a := w.cb.send(h.url, 1); a.status != http.StatusServiceUnavailable || a.latency >= trtcBudget {
		t.Errorf("callback without Redis: %d in %s (%v), want 503 within %s", a.status, a.latency, a.err, trtcBudget)
	}
	waitFor(t, 10*time.Second, "the log to say Redis is unavailable", func() bool { return len(h.logs("redis unavailable")) > 0 })

	w.redis.start()
	up := time.Now()
	waitFor(t, 30*time.Second, "/readyz 200 once Redis answers", func() bool {
		code, _, _ := get(h.url + "/readyz")
		return code == http.StatusOK
	})
	waitFor(t, 30*time.Second, "delivery to start", func() bool { return len(h.logs("redis answers")) > 0 })
	t.Logf("measure: delivery started %s after Redis came up (retry backoff capped at 10s)", time.Since(up).Round(time.Millisecond))
	w.cb.sendAll(h.url, 1, 4)
	ty := settle(t, h, w.slack, w.cb, time.Minute)
	t.Logf("redis down at startup: %s", ty)
	if ty.accepted != 3 || ty.refused != 1 || ty.delivered != 3 || ty.duplicates != 0 {
		t.Errorf("want the 503'd callback retried and all 3 delivered once: %s", ty)
	}
}
