package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/bench/loadgen"
	"github.com/hookdev/hook/internal/redistest"
)

// The whole harness, tiny: builds hook and the ceilings, starts Redis and
// the Slack stand-in, and runs the alerting workload for a moment against
// hook and the one-round-trip ceiling. Nothing about speed is asserted:
// only that every answer was 200 and that hook paged.
func TestHarnessTiny(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv(redistest.RequireEnv) != "" {
			t.Fatal("redis-server not found and HOOK_REQUIRE_REDIS is set")
		}
		t.Skip("the harness needs redis-server on PATH (apt-get install redis-server)")
	}
	var out, progress bytes.Buffer
	profiles := t.TempDir()
	err := run(context.Background(), []string{"-duration", "300ms", "-repeat", "1", "-workloads", "alerting",
		"-loadgen", "go", "-conns", "4", "-pool", "5000", "-profile", profiles}, &out, &progress)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	report := out.String()
	for _, want := range []string{"alerting", "+1 SETNX", "0 | 0", "outcomes paged="} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	for _, f := range []string{"alerting.cpu.pprof", "alerting.allocs-before.pprof", "alerting.allocs.pprof", "alerting.txt"} {
		if _, err := os.Stat(filepath.Join(profiles, f)); err != nil {
			t.Errorf("-profile wrote no %s: %v", f, err)
		}
	}
	if summary, _ := os.ReadFile(filepath.Join(profiles, "alerting.txt")); !bytes.Contains(summary, []byte("cmdstat_evalsha")) {
		t.Errorf("the profile summary lacks Redis's command stats:\n%s", summary)
	}
	for _, bad := range []string{"NOTE", "non-200 answers", "NOT SLACK"} {
		if strings.Contains(report, bad) {
			t.Errorf("report has %q:\n%s", bad, report)
		}
	}
}

func TestParseFlagsRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"-workloads", "stomr"},
		{"-workloads", ","},
		{"-duration", "0s"},
		{"-conns", "1", "-threads", "2"},
		{"-repeat", "0"},
		{"-pool", "10"},
		{"-loadgen", "ab"},
		{"-hook-env", "NOEQUALS"},
		{"extra"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if _, err := parseFlags(args, io.Discard); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	c, err := parseFlags([]string{"-workloads", "storm, slack-down,storm"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.workloads, ",") != "storm,slack-down" {
		t.Errorf("workloads %v", c.workloads)
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); err != flag.ErrHelp {
		t.Errorf("-h: %v", err)
	}
}

var update = flag.Bool("update", false, "rewrite testdata/report.golden")

func TestReportGolden(t *testing.T) {
	ms := func(rps ...float64) []measurement {
		var out []measurement
		for _, r := range rps {
			out = append(out, measurement{
				res: loadgen.Result{Requests: int(r * 10), Elapsed: 10 * time.Second, P50: 1500 * time.Microsecond, P99: 23 * time.Millisecond},
				cpu: r * 10 * 40e-6, redisCPU: 1.5, pool: 300_000, rssKB: 30_000,
				outcomes: map[string]float64{"paged": r * 10}, verdicts: map[string]float64{"paged": r * 10},
				slack: [3]int64{10, 0, 0},
			})
		}
		return out
	}
	busy := ms(26000)
	busy[0].othersCPU, busy[0].machineCPU = 5, 20
	down := ms(5000)
	down[0].slack = [3]int64{0, 6, 0}
	failing := ms(9000)
	failing[0].res.Non200, failing[0].failures = 2, []string{"401 {\"code\":401,\"message\":\"signature does not match body\"}"}
	rows := []row{
		{name: "routine", ceilingName: "echo+hmac+json", hook: ms(28000, 29000, 27000), ceiling: ms(50000, 52000, 51000)},
		{name: "alerting", distinct: true, ceilingName: "+1 SETNX", hook: ms(40000), ceiling: busy},
		{name: "enter", distinct: true, ceilingName: "+1 SETNX", hook: failing, ceiling: ms(20000)},
		{name: "storm, Slack down (100k)", distinct: true, hook: down},
	}
	var b bytes.Buffer
	printReport(&b, "hook test | wrk -t2 -c64 -d10s | median of 3", rows)
	if *update {
		if err := os.WriteFile("testdata/report.golden", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/report.golden")
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("report differs from testdata/report.golden (go test ./bench -update):\n%s", b.String())
	}
}
