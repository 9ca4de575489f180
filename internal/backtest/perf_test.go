package backtest

import (
	"context"
	"flag"
	"runtime"
	"runtime/metrics"
	"syscall"
	"testing"
	"time"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/rules"
)

var busyN = flag.Int("busy", 20_000, "callbacks of the busy app TestBusyAppThroughput replays (1000000 for the README's figure)")

func exampleRuleset(t testing.TB, cat *catalog.Catalog) *rules.Ruleset {
	t.Helper()
	rs, err := rules.Compile(hook.ExampleRulesName, hook.ExampleRules, cat, func(string) string { return "k" })
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestBusyAppThroughput replays the traffic of a busy app (116 callbacks a
// second: 10 M a day) through the example rules and an edit of them, and
// reports the throughput and the peak heap; with -busy 1000000 it is the
// figure the README gives.
func TestBusyAppThroughput(t *testing.T) {
	cat := catalogtest.New(t)
	cur := exampleRuleset(t, cat)
	app := busyApp{seed: 1, n: *busyN, start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), rate: 116, rooms: 2000}
	defer TuneGC()() // as hook backtest runs it
	runtime.GC()
	var peak, peakLive uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			peakLive = max(peakLive, s[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	rep, err := Run(context.Background(), Options{Catalog: cat, Current: cur, New: cur, CurrentName: "a", NewName: "b"}, app.source())
	took := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	rate := float64(rep.Callbacks) / took.Seconds()
	t.Logf("%d callbacks (%s of traffic) in %v (%v of CPU, %.0f µs a callback): %.0f callbacks/s; 10 M would take %v; "+
		"peak heap %d MB (live %d MB), max RSS %d MB; pages %d/%d",
		rep.Callbacks, rep.To.Sub(rep.From).Round(time.Minute), took.Round(time.Millisecond), cpu.Round(time.Millisecond),
		float64(cpu.Microseconds())/float64(rep.Callbacks), rate,
		time.Duration(10e6/rate*float64(time.Second)).Round(time.Second), peak>>20, peakLive>>20, after.Maxrss>>10, rep.CurrentPages, rep.NewPages)
}
