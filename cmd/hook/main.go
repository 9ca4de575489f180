// Command hook turns signed Tencent RTC (TRTC) server callbacks into on-call pages.
//
// main only wires the process to runCLI; everything testable lives behind run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

func main() {
	// go-redis prints its own pool retries as plain text, past slog and
	// HOOK_LOG_FORMAT. Every Redis failure already reaches hook as an error
	// that it logs structured (503 callbacks, delivery retries, /readyz) and
	// counts (hook_redis_errors_total), so the library's copy is dropped. This
	// is process-wide, hence here and not in run.
	redis.SetLogger(quietRedisLog{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &cli{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, self: invokedAs(os.Args[0])}
	os.Exit(exitStatus(runCLI(ctx, c, os.Args[1:]), os.Stderr))
}

// exitStatus is the process's exit status for what runCLI returned, after
// printing what goes with it on stderr: an exitError is an answer (its
// message and usage, its status); any other error is a failure, status 1.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var exit exitError
	if errors.As(err, &exit) { // an answer, not a failure: print it, exit with its status
		if exit.msg != "" {
			fmt.Fprintln(stderr, exit.msg)
		}
		if exit.usage != "" {
			fmt.Fprint(stderr, "\n"+exit.usage)
		}
		return exit.code
	}
	fmt.Fprintln(stderr, "hook:", err)
	return 1
}

// quietRedisLog discards go-redis's internal log lines (see main).
type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}
