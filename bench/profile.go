package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hookdev/hook/bench/workload"
)

// profiler takes hook's CPU and allocation profiles during one timed run
// (-profile DIR), through hook's HOOK_PPROF_LISTEN. Files are named after
// the workload and overwritten by later repeats: the last run's are kept.
type profiler struct {
	dir, base, name string
	allocsBefore    []byte
	cpu             chan error
}

// startProfile snapshots the allocations so far and starts a CPU profile
// that covers the load (wrk's whole seconds, less one for the ramp down).
func startProfile(ctx context.Context, dir, pprofAddr string, kind workload.Kind, load time.Duration) (*profiler, error) {
	p := &profiler{dir: dir, base: "http://" + pprofAddr + "/debug/pprof/", name: string(kind), cpu: make(chan error, 1)}
	var err error
	if p.allocsBefore, err = fetch(ctx, p.base+"allocs"); err != nil {
		return nil, err
	}
	secs := max(1, int(load.Seconds())-1)
	go func() {
		b, err := fetch(ctx, fmt.Sprintf("%sprofile?seconds=%d", p.base, secs))
		if err == nil {
			err = os.WriteFile(p.path("cpu.pprof"), b, 0o644)
		}
		p.cpu <- err
	}()
	return p, nil
}

func (p *profiler) path(suffix string) string {
	return filepath.Join(p.dir, p.name+"."+suffix)
}

// finish waits for the CPU profile, takes the allocations since start and
// writes the top of both as text next to the profiles.
func (p *profiler) finish(ctx context.Context, requests int, redisStats string) error {
	after, err := fetch(ctx, p.base+"allocs")
	if err != nil {
		return err
	}
	if err := <-p.cpu; err != nil {
		return err
	}
	if err := os.WriteFile(p.path("allocs-before.pprof"), p.allocsBefore, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(p.path("allocs.pprof"), after, 0o644); err != nil {
		return err
	}
	var summary strings.Builder
	fmt.Fprintf(&summary, "%s: %d requests\n\nredis-server's INFO commandstats for the run:\n%s\n", p.name, requests, redisStats)
	for _, args := range [][]string{
		{"-top", "-nodecount=30", p.path("cpu.pprof")},
		{"-top", "-cum", "-nodecount=40", p.path("cpu.pprof")},
		{"-top", "-nodecount=30", "-sample_index=alloc_objects", "-base", p.path("allocs-before.pprof"), p.path("allocs.pprof")},
		{"-top", "-cum", "-nodecount=40", "-sample_index=alloc_objects", "-base", p.path("allocs-before.pprof"), p.path("allocs.pprof")},
	} {
		out, err := exec.CommandContext(ctx, "go", append([]string{"tool", "pprof"}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("go tool pprof %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		fmt.Fprintf(&summary, "$ go tool pprof %s\n%s\n", strings.Join(args, " "), out)
	}
	return os.WriteFile(p.path("txt"), []byte(summary.String()), 0o644)
}

func fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("profile %s: %s", url, resp.Status)
	}
	return b, err
}
