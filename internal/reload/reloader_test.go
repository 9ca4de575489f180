package reload

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/rules"
)

const reloadReceivers = `
receivers:
  - name: oncall
    console: {}
default_receiver: oncall
`

func ruleFile(name string) string {
	return reloadReceivers + fmt.Sprintf("rules:\n  - name: %s\n    match: {event: room.exit}\n", name)
}

// writeAtomically writes like editors and config tools do: a temporary file
// renamed over the old one, so the watched inode is replaced, not modified.
func writeAtomically(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// eventually retries write until cond holds: the watcher may not be watching
// yet the first time.
func eventually(t *testing.T, what string, write func(), cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		write()
		for i := 0; i < 20 && !cond(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// fakeStore pages everything, touching nothing.
type fakeStore struct{}

func (fakeStore) Fire(_ context.Context, _ time.Time, as []alert.Alert) ([]alert.Verdict, error) {
	out := make([]alert.Verdict, len(as))
	for i := range out {
		out[i] = alert.VerdictPaged
	}
	return out, nil
}

func (fakeStore) Tick(context.Context, time.Time, int) ([]alert.TickOutcome, error) { return nil, nil }

func noEnv(string) string { return "" }

type reloadFixture struct {
	router   *engine.Engine
	metrics  *Metrics
	reloader *Reloader
}

func startReloader(t *testing.T, path string) reloadFixture {
	t.Helper()
	cat := catalogtest.New(t)
	rs, err := rules.Load(path, cat, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	router := engine.New(cat, rs, fakeStore{}, time.Now, nil)
	metrics := NewMetrics(prometheus.NewRegistry())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rl := New(Config{Path: path, Catalog: cat, Getenv: noEnv, Debounce: 20 * time.Millisecond, Now: time.Now}, router, metrics, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rl.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return reloadFixture{router, metrics, rl}
}

func ruleName(r *engine.Engine) string { return r.Ruleset().RuleNames()[0] }

func TestReloadWhileCallbacksFlow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	writeAtomically(t, path, ruleFile("v1"))
	fx := startReloader(t, path)

	// Callbacks flow the whole time; each is judged by exactly one version.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var handled atomic.Int64
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				res, err := fx.router.Handle(context.Background(), callbacktest.Exit(2))
				if err != nil || len(res.Outcomes) != 1 {
					errs <- fmt.Errorf("handle: %+v, %v", res, err)
					return
				}
				if n := res.Outcomes[0].Rule; n != "v1" && n != "v2" && n != "v3" {
					errs <- fmt.Errorf("fired by rule %q", n)
					return
				}
				handled.Add(1)
			}
		})
	}

	eventually(t, "the valid file to be swapped in",
		func() { writeAtomically(t, path, ruleFile("v2")) },
		func() bool { return ruleName(fx.router) == "v2" })
	if got := testutil.ToFloat64(fx.metrics.success); got != 1 {
		t.Errorf("reload_success = %v after a valid file, want 1", got)
	}

	eventually(t, "the invalid file to be rejected",
		func() { writeAtomically(t, path, ruleFile("v3")+"    sevrity: high\n") },
		func() bool { return testutil.ToFloat64(fx.metrics.success) == 0 })
	if got := ruleName(fx.router); got != "v2" {
		t.Errorf("after an invalid file the router serves %q, want the previous v2", got)
	}
	if got := testutil.ToFloat64(fx.metrics.reloads.WithLabelValues("failure")); got < 1 {
		t.Errorf("failure reloads = %v", got)
	}

	// SIGHUP's path: an explicit reload of a now valid file.
	if err := os.WriteFile(path, []byte(ruleFile("v3")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fx.reloader.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := ruleName(fx.router); got != "v3" {
		t.Errorf("after Reload the router serves %q, want v3", got)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if handled.Load() == 0 {
		t.Error("no callbacks were handled during the reloads")
	}
}

// TestReloadConfigMapSwap replays how Kubernetes updates a mounted ConfigMap:
// the file is a symlink through `..data`, and an update atomically re-points
// `..data` at a new timestamped directory. The file itself never changes.
func TestReloadConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	version := func(name string) string {
		d := filepath.Join(dir, "..2024_"+name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "rules.yaml"), []byte(ruleFile(name)), 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Base(d)
	}
	if err := os.Symlink(version("v1"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rules.yaml")
	if err := os.Symlink(filepath.Join("..data", "rules.yaml"), path); err != nil {
		t.Fatal(err)
	}
	fx := startReloader(t, path)
	n := 0
	eventually(t, "the ConfigMap swap to be seen", func() {
		n++
		target := version(fmt.Sprintf("v2_%d", n))
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(target, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}, func() bool { return ruleName(fx.router) != "v1" })
}

// A rules file moved away and back fails once, then reloads as a success: the
// same content after a failure is not "unchanged". (reload(false) is what the
// watcher calls.)
func TestReloadRecoversWhenTheSameFileReturns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte(ruleFile("a")), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := catalogtest.New(t)
	rs, err := rules.Load(path, cat, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	metrics := NewMetrics(prometheus.NewRegistry())
	rl := New(Config{Path: path, Catalog: cat, Getenv: noEnv, Now: time.Now},
		engine.New(cat, rs, fakeStore{}, time.Now, nil), metrics, slog.New(slog.DiscardHandler))
	if err := rl.reload(false); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".away"); err != nil {
		t.Fatal(err)
	}
	if err := rl.reload(false); err == nil {
		t.Fatal("reload of a missing file succeeded")
	}
	if got := testutil.ToFloat64(metrics.success); got != 0 {
		t.Fatalf("success = %v after a failed reload, want 0", got)
	}
	if err := os.Rename(path+".away", path); err != nil {
		t.Fatal(err)
	}
	if err := rl.reload(false); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(metrics.success); got != 1 {
		t.Fatalf("success = %v once the same file is back, want 1", got)
	}
}
