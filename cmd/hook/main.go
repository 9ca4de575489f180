// Command hook turns signed Tencent RTC (TRTC) server callbacks into on-call pages.
//
// main only wires the process to runCLI; everything testable lives behind run.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/cli"
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
	c := &proc{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, self: cli.InvokedAs(os.Args[0])}
	os.Exit(cli.Status(runCLI(ctx, c, os.Args[1:]), os.Stderr))
}

// quietRedisLog discards go-redis's internal log lines (see main).
type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}
