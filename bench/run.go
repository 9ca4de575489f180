package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookdev/hook/bench/loadgen"
	"github.com/hookdev/hook/bench/workload"
)

// measurement is one timed run against one target.
type measurement struct {
	res      loadgen.Result
	cpu      float64 // the target's CPU seconds during the run
	redisCPU float64 // redis-server's
	pool     int     // distinct bodies the run cycled through
	// othersCPU is the CPU time of every process but the target, Redis,
	// the load generator and the harness during the run, of machineCPU
	// available: what other work on the machine took from the measurement.
	othersCPU, machineCPU float64
	// Hook only:
	rssKB    int64
	outcomes map[string]float64 // hook_callbacks_total by outcome
	verdicts map[string]float64 // hook_alert_verdicts_total by verdict
	slack    [3]int64           // Slack posts accepted, refused (down), invalid
	failures []string           // non-200 answers, from the load generator or hook's log
}

// wrapped reports whether the run sent more requests than it had distinct
// bodies, so that the later ones repeated earlier incidents.
func (m measurement) wrapped() bool { return m.res.Requests > m.pool }

// cpuPerRequest is the target's CPU time per request, in microseconds.
func (m measurement) cpuPerRequest() float64 {
	if m.res.Requests == 0 {
		return 0
	}
	return m.cpu / float64(m.res.Requests) * 1e6
}

// runHook starts a fresh hook on an empty Redis, so peak RSS is this run's,
// checks it answers 200, and times the load.
func (h *harness) runHook(ctx context.Context, kind workload.Kind, l loadgen.Load, pool int) (measurement, error) {
	if err := h.rdb.FlushAll(ctx).Err(); err != nil {
		return measurement{}, fmt.Errorf("flush redis: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return measurement{}, err
	}
	env := h.childEnv(
		"HOOK_LISTEN="+addr,
		"HOOK_RULES="+filepath.Join(h.root, "rules.example.yaml"),
		"HOOK_REDIS_URL="+h.redisURL,
		"HOOK_LOG_LEVEL="+h.cfg.logLevel,
		"HOOK_CONSUMER=bench",
		"TRTC_CALLBACK_KEY="+benchKey,
		"SLACK_WEBHOOK_URL="+h.slack.url,
	)
	pprofAddr := ""
	if h.cfg.profileDir != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return measurement{}, err
		}
		env = append(env, "HOOK_PPROF_LISTEN="+pprofAddr)
	}
	h.runs++
	p, err := start("hook", h.bins.hook, nil, append(env, h.cfg.hookEnv...),
		filepath.Join(h.dir, fmt.Sprintf("hook-%02d-%s.log", h.runs, kind)))
	if err != nil {
		return measurement{}, err
	}
	defer p.stop(stopGrace)
	base := "http://" + addr
	if err := p.waitOK(ctx, base+"/readyz", readyWithin); err != nil {
		return measurement{}, err
	}
	target := loadgen.Target{URL: base + "/callback", AppID: appID}
	reqs, err := h.prepare(ctx, "hook", target, kind, pool)
	if err != nil {
		return measurement{}, err
	}
	before, err := scrape(ctx, base+"/metrics")
	if err != nil {
		return measurement{}, err
	}
	a0, r0, i0 := h.slack.posts()
	var prof *profiler
	if pprofAddr != "" && l.Count == 0 {
		if err := h.rdb.ConfigResetStat(ctx).Err(); err != nil {
			return measurement{}, fmt.Errorf("reset redis's command stats: %w", err)
		}
		if prof, err = startProfile(ctx, h.cfg.profileDir, pprofAddr, kind, l.Duration); err != nil {
			return measurement{}, err
		}
	}
	m, err := h.timed(ctx, target, p.pid(), l, reqs)
	if err != nil {
		return m, err
	}
	if prof != nil {
		// Redis's time by command: the scripts, and the dispatcher's reads.
		stats, err := h.rdb.Info(ctx, "commandstats").Result()
		if err != nil {
			return m, fmt.Errorf("redis's command stats: %w", err)
		}
		if err := prof.finish(ctx, m.res.Requests, stats); err != nil {
			return m, err
		}
	}
	a1, r1, i1 := h.slack.posts()
	m.slack = [3]int64{a1 - a0, r1 - r0, i1 - i0}
	if m.rssKB, err = peakRSSKB(p.pid()); err != nil {
		return m, err
	}
	after, err := scrape(ctx, base+"/metrics")
	if err != nil {
		return m, err
	}
	m.outcomes = after.diff(before, "hook_callbacks_total", "outcome")
	m.verdicts = after.diff(before, "hook_alert_verdicts_total", "verdict")
	if m.res.Non200 > 0 && len(m.failures) == 0 {
		m.failures = refusals(p.logPath)
	}
	return m, nil
}

func (h *harness) runCeiling(ctx context.Context, c *ceilingServer, kind workload.Kind, l loadgen.Load, pool int) (measurement, error) {
	if err := h.rdb.FlushAll(ctx).Err(); err != nil {
		return measurement{}, fmt.Errorf("flush redis: %w", err)
	}
	target := loadgen.Target{URL: c.url, AppID: appID}
	reqs, err := h.prepare(ctx, c.name, target, kind, pool)
	if err != nil {
		return measurement{}, err
	}
	return h.timed(ctx, target, c.p.pid(), l, reqs)
}

// prepare signs a fresh pool (hook refuses callbacks older than its replay
// window) and checks that the target answers 200 to a few other bodies of
// the same kind before anything is timed.
func (h *harness) prepare(ctx context.Context, who string, t loadgen.Target, kind workload.Kind, pool int) ([]workload.Request, error) {
	now := time.Now()
	reqs, err := workload.Build(workload.Spec{Kind: kind, Count: pool, Key: []byte(benchKey), Now: now})
	if err != nil {
		return nil, err
	}
	checks, err := workload.Build(workload.Spec{Kind: kind, Count: checkRequests, First: pool, Key: []byte(benchKey), Now: now})
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for i, r := range checks {
		status, body, err := post(ctx, client, t, r)
		if err != nil {
			return nil, fmt.Errorf("%s: check request %d: %w", who, i+1, err)
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("%s answered %d %s to check request %d, not 200: not measuring that\nthe body: %s",
				who, status, body, i+1, r.Body)
		}
	}
	return reqs, nil
}

func post(ctx context.Context, client *http.Client, t loadgen.Target, r workload.Request) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(r.Body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("SdkAppId", t.AppID)
	req.Header.Set("Sign", r.Sign)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(bytes.TrimSpace(body)), err
}

// timed runs the load and the CPU accounting around it.
func (h *harness) timed(ctx context.Context, t loadgen.Target, pid int, l loadgen.Load, reqs []workload.Request) (measurement, error) {
	m := measurement{pool: len(reqs)}
	cpu0, err := cpuSeconds(pid)
	if err != nil {
		return m, err
	}
	redis0, err := cpuSeconds(h.redis.pid())
	if err != nil {
		return m, err
	}
	began, self0 := time.Now(), selfCPU()
	busy0, err := machineBusySeconds()
	if err != nil {
		return m, err
	}
	if m.res, err = h.engine.Run(ctx, t, l, reqs); err != nil {
		return m, err
	}
	busy1, err := machineBusySeconds()
	if err != nil {
		return m, err
	}
	cpu1, err := cpuSeconds(pid)
	if err != nil {
		return m, err
	}
	redis1, err := cpuSeconds(h.redis.pid())
	if err != nil {
		return m, err
	}
	m.cpu, m.redisCPU = cpu1-cpu0, redis1-redis0
	ours := m.cpu + m.redisCPU + m.res.ExternalCPU + selfCPU() - self0
	m.othersCPU = max(0, busy1-busy0-ours)
	m.machineCPU = time.Since(began).Seconds() * float64(runtime.NumCPU())
	m.failures = m.res.Failures
	return m, nil
}

// metrics are counter values by metric and label value.
type metrics map[string]float64

var sample = regexp.MustCompile(`^([a-z_]+)\{(.*)\} (\S+)$`)

// scrape reads hook's /metrics.
func scrape(ctx context.Context, url string) (metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape hook's metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape hook's metrics: %s", resp.Status)
	}
	out := metrics{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		m := sample.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		for label := range strings.SplitSeq(m[2], ",") {
			out[m[1]+"/"+label] += v
		}
	}
	return out, sc.Err()
}

// diff is how much each value of label grew on metric since before.
func (m metrics) diff(before metrics, metric, label string) map[string]float64 {
	prefix := metric + "/" + label + `="`
	d := map[string]float64{}
	for k, v := range m {
		if val, ok := strings.CutPrefix(k, prefix); ok {
			if n := v - before[k]; n > 0 {
				d[strings.TrimSuffix(val, `"`)] = n
			}
		}
	}
	return d
}

var outcomeRE = regexp.MustCompile(`\boutcome=(\S+)`)

// refusals are the first few callbacks hook's log records as refused.
func refusals(logPath string) []string {
	f, err := os.Open(logPath)
	if err != nil {
		return []string{fmt.Sprintf("(cannot read hook's log: %v)", err)}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < 5 {
		line := sc.Text()
		m := outcomeRE.FindStringSubmatch(line)
		if m != nil && !slices.Contains([]string{"paged", "duplicate", "held", "no_match"}, m[1]) {
			out = append(out, line[:min(len(line), 400)])
		}
	}
	return out
}

// othersShare is the fraction of the machine's CPU other processes used.
func (m measurement) othersShare() float64 {
	if m.machineCPU <= 0 {
		return 0
	}
	return m.othersCPU / m.machineCPU
}

// selfCPU is the CPU time the harness has used, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
