// Command bench is hook's load harness: one command that builds hook and two
// ceiling servers, starts redis-server and a Slack stand-in on free ports,
// and drives each workload (routine, enter, alerting, storm, and a storm
// while Slack is down) against hook and against its ceiling, printing one
// table of throughput, latency, memory, CPU and hook's ratio to the ceiling.
//
//	go run ./bench                      # everything, wrk -t2 -c64 -d10s, median of 3
//	go run ./bench -repeat 1 -duration 3s -workloads routine,alerting
//
// It is not part of the hook binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hookdev/hook/bench/workload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// slackDown names the storm run while the Slack stand-in answers 500.
const slackDown = "slack-down"

// config is the command line.
type config struct {
	duration   time.Duration
	threads    int
	conns      int
	repeat     int
	workloads  []string // workload kinds, and slackDown
	engine     string   // auto, wrk or go
	pool       int
	slackDownN int
	logLevel   string
	hookEnv    []string
	keep       bool
	profileDir string
}

type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }
func (e *envList) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	all := make([]string, 0, len(workload.Kinds)+1)
	for _, k := range workload.Kinds {
		all = append(all, string(k))
	}
	all = append(all, slackDown)
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each run sends (wrk rounds up to whole seconds)")
	fs.IntVar(&c.threads, "threads", 2, "wrk threads")
	fs.IntVar(&c.conns, "conns", 64, "connections")
	fs.IntVar(&c.repeat, "repeat", 3, "runs per workload and target; the table shows the median")
	list := fs.String("workloads", strings.Join(all, ","), "comma-separated workloads to run")
	fs.StringVar(&c.engine, "loadgen", "auto", "load generator: wrk, go, or auto (wrk when installed)")
	fs.IntVar(&c.pool, "pool", 300_000, "distinct signed bodies per run (users for enter/storm, incidents for alerting)")
	fs.IntVar(&c.slackDownN, "slack-down-n", 100_000, "callbacks in the storm sent while Slack is down")
	fs.StringVar(&c.logLevel, "log-level", "info", "hook's HOOK_LOG_LEVEL")
	fs.Var((*envList)(&c.hookEnv), "hook-env", "extra KEY=VALUE for hook's environment (repeatable)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (binaries, logs, request pools)")
	fs.StringVar(&c.profileDir, "profile", "", "write hook's CPU and allocation profiles of each workload (and their top as text) into this directory")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for w := range strings.SplitSeq(*list, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if w != slackDown {
			if _, err := workload.ParseKind(w); err != nil {
				return c, fmt.Errorf("-workloads: %w (or %s)", err, slackDown)
			}
		}
		if !slices.Contains(c.workloads, w) {
			c.workloads = append(c.workloads, w)
		}
	}
	switch {
	case len(c.workloads) == 0:
		return c, errors.New("-workloads: name at least one")
	case c.duration <= 0 || c.threads <= 0 || c.conns < c.threads || c.repeat <= 0:
		return c, errors.New("-duration, -threads, -conns and -repeat must be positive, with at least one connection per thread")
	case c.pool < 1000 || c.slackDownN < 1000:
		return c, errors.New("-pool and -slack-down-n must be at least 1000")
	case !slices.Contains([]string{"auto", "wrk", "go"}, c.engine):
		return c, fmt.Errorf("-loadgen %q: use wrk, go or auto", c.engine)
	}
	return c, nil
}

// run is the whole command, testable.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return fmt.Errorf("-profile: %w", err)
		}
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return errors.New("redis-server is not installed (apt-get install redis-server)")
	}
	h, err := newHarness(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer h.close()
	rows, err := h.runAll(ctx)
	if err != nil {
		return err
	}
	printReport(stdout, h.describe(), rows)
	return nil
}
