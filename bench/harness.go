package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/bench/loadgen"
	"github.com/hookdev/hook/bench/workload"
)

const (
	appID = "1400000001"
	// benchKey signs every callback; TRTC keys are letters and digits.
	benchKey = "bench0key0for0load0tests"
	// checkRequests are sent and must all be answered 200 before a run is
	// timed: a harness that measures 401s is worse than none.
	checkRequests = 3
	// routinePool is enough distinct routine bodies: they touch no state.
	routinePool = 10_000
	stopGrace   = 15 * time.Second
	readyWithin = 15 * time.Second
)

type harness struct {
	cfg      config
	root     string
	dir      string
	bins     binaries
	engine   loadgen.Engine
	redis    *proc
	redisURL string
	rdb      *redis.Client
	slack    *slackStandIn
	hmac     *ceilingServer
	oneRTT   *ceilingServer
	progress io.Writer
	runs     int
}

// ceilingServer is a running ceiling program.
type ceilingServer struct {
	name string // as the table shows it
	p    *proc
	url  string
}

// newHarness builds the programs and starts Redis, the Slack stand-in and
// both ceilings. close stops them all.
func newHarness(ctx context.Context, cfg config, progress io.Writer) (_ *harness, err error) {
	h := &harness{cfg: cfg, progress: progress}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	if h.root, err = repoRoot(); err != nil {
		return nil, err
	}
	if h.dir, err = os.MkdirTemp("", "hook-bench-"); err != nil {
		return nil, fmt.Errorf("work directory: %w", err)
	}
	if h.engine, err = pickEngine(cfg.engine, h.dir); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "building hook and the ceilings into %s\n", h.dir)
	if h.bins, err = build(ctx, h.root, h.dir); err != nil {
		return nil, err
	}
	if err = h.startRedis(ctx); err != nil {
		return nil, err
	}
	if h.slack, err = startSlack(); err != nil {
		return nil, err
	}
	if h.hmac, err = h.startCeiling(ctx, "echo+hmac+json", h.bins.hmac); err != nil {
		return nil, err
	}
	if h.oneRTT, err = h.startCeiling(ctx, "+1 SETNX", h.bins.redis, "-redis", h.redisURL); err != nil {
		return nil, err
	}
	return h, nil
}

func pickEngine(name, dir string) (loadgen.Engine, error) {
	if name == "go" {
		return loadgen.GoEngine{}, nil
	}
	bin, err := exec.LookPath("wrk")
	switch {
	case err == nil:
		return loadgen.Wrk{Bin: bin, Dir: dir}, nil
	case name == "wrk":
		return nil, fmt.Errorf("-loadgen wrk: wrk is not installed (apt-get install wrk)")
	}
	return loadgen.GoEngine{}, nil
}

func (h *harness) startRedis(ctx context.Context) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	host, port, _ := strings.Cut(addr, ":")
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("redis-server: %w", err)
	}
	h.redis, err = start("redis-server", bin, []string{"--port", port, "--bind", host,
		"--save", "", "--appendonly", "no", "--protected-mode", "no"}, nil, filepath.Join(h.dir, "redis.log"))
	if err != nil {
		return err
	}
	h.redisURL = "redis://" + addr + "/0"
	h.rdb = redis.NewClient(&redis.Options{Addr: addr})
	deadline := time.Now().Add(readyWithin)
	for {
		err := h.rdb.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer: %w; its output:\n%s", addr, err, h.redis.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) startCeiling(ctx context.Context, name, bin string, args ...string) (*ceilingServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := start(name, bin, append([]string{"-listen", addr}, args...), h.childEnv("TRTC_CALLBACK_KEY="+benchKey),
		filepath.Join(h.dir, filepath.Base(bin)+".log"))
	if err != nil {
		return nil, err
	}
	c := &ceilingServer{name: name, p: p, url: "http://" + addr + "/callback"}
	if err := p.waitOK(ctx, "http://"+addr+"/healthz", readyWithin); err != nil {
		p.stop(stopGrace)
		return nil, err
	}
	return c, nil
}

// childEnv is the environment of a child: the Go runtime's own knobs from
// ours (GOGC, GOMAXPROCS, ... for experiments) and extra, nothing else.
func (h *harness) childEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); slices.Contains([]string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG"}, k) {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func (h *harness) close() {
	for _, c := range []*ceilingServer{h.hmac, h.oneRTT} {
		if c != nil {
			c.p.stop(stopGrace)
		}
	}
	if h.slack != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		h.slack.close(ctx)
		cancel()
	}
	if h.rdb != nil {
		h.rdb.Close()
	}
	if h.redis != nil {
		h.redis.stop(stopGrace)
	}
	if h.dir != "" {
		if h.cfg.keep {
			fmt.Fprintf(h.progress, "kept %s\n", h.dir)
		} else {
			os.RemoveAll(h.dir)
		}
	}
}

// describe is the report's header: what was run, how, where.
func (h *harness) describe() string {
	l := h.load()
	how := fmt.Sprintf("%s -t%d -c%d -d%s", h.engine.Name(), l.Threads, l.Conns, l.Duration)
	if h.engine.Name() == "go" {
		how = fmt.Sprintf("go load generator, %d connections, %s", l.Conns, l.Duration)
	}
	rev := "unknown commit"
	if out, err := exec.Command("git", "-C", h.root, "describe", "--always", "--dirty").Output(); err == nil {
		rev = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("hook %s | %s | median of %d | %d CPUs | HOOK_LOG_LEVEL=%s | redis-server, Slack stand-in (incoming webhook)",
		rev, how, h.cfg.repeat, runtime.NumCPU(), h.cfg.logLevel)
}

// load is the load of a duration run. wrk takes whole seconds.
func (h *harness) load() loadgen.Load {
	d := h.cfg.duration
	if h.engine.Name() == "wrk" {
		d = time.Duration(math.Ceil(d.Seconds())) * time.Second
	}
	return loadgen.Load{Threads: h.cfg.threads, Conns: h.cfg.conns, Duration: d}
}

// runAll runs every workload asked for, in order.
func (h *harness) runAll(ctx context.Context) ([]row, error) {
	var rows []row
	for _, w := range h.cfg.workloads {
		var (
			r   row
			err error
		)
		if w == slackDown {
			r, err = h.slackDownRow(ctx)
		} else {
			r, err = h.compareRow(ctx, workload.Kind(w))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// compareRow runs kind against hook and its ceiling, alternately, repeat times.
func (h *harness) compareRow(ctx context.Context, kind workload.Kind) (row, error) {
	ceiling, pool := h.oneRTT, h.cfg.pool
	if kind == workload.Routine {
		ceiling, pool = h.hmac, min(pool, routinePool)
	}
	r := row{name: string(kind), ceilingName: ceiling.name, distinct: kind != workload.Routine}
	for i := range h.cfg.repeat {
		hm, err := h.runHook(ctx, kind, h.load(), pool)
		if err != nil {
			return r, err
		}
		h.report(kind, i, h.cfg.repeat, "hook", hm)
		cm, err := h.runCeiling(ctx, ceiling, kind, h.load(), pool)
		if err != nil {
			return r, err
		}
		h.report(kind, i, h.cfg.repeat, ceiling.name, cm)
		r.hook, r.ceiling = append(r.hook, hm), append(r.ceiling, cm)
	}
	return r, nil
}

// slackDownRow is a storm of slackDownN callbacks (each a new user) while
// Slack answers 500: pages pile up in the outbox and are retried. It is one
// run whatever -repeat says: it is long, and what it checks (peak RSS, p99)
// is a bound, not a ratio.
func (h *harness) slackDownRow(ctx context.Context) (row, error) {
	h.slack.down.Store(true)
	defer h.slack.down.Store(false)
	l := h.load()
	l.Count, l.Duration = h.cfg.slackDownN, max(l.Duration, 10*time.Minute)
	r := row{name: fmt.Sprintf("storm, Slack down (%dk)", h.cfg.slackDownN/1000), distinct: true}
	// wrk overshoots by up to a request per connection: enough distinct users for that too.
	m, err := h.runHook(ctx, workload.Storm, l, h.cfg.slackDownN+l.Conns)
	if err != nil {
		return r, err
	}
	h.report(slackDown, 0, 1, "hook", m)
	r.hook = append(r.hook, m)
	return r, nil
}

func (h *harness) report(kind any, i, of int, target string, m measurement) {
	fmt.Fprintf(h.progress, "%-10v %d/%d %-15s %9.0f req/s  p50 %-8s p99 %-8s non-200 %d, errors %d\n",
		kind, i+1, of, target, m.res.RPS(), m.res.P50, m.res.P99, m.res.Non200, m.res.Errors)
	for _, f := range m.failures {
		fmt.Fprintf(h.progress, "    %s\n", f)
	}
}
