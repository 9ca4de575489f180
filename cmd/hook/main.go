// Command hook turns signed Tencent RTC (TRTC) server callbacks into on-call pages.
//
// main only wires the process to run; everything testable lives behind run.
package main

import (
	"context"
	"errors"
	"fmt"
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
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		var exit exitError
		if errors.As(err, &exit) { // an answer, not a failure: print it, exit with its status
			if exit.msg != "" {
				fmt.Fprintln(os.Stderr, exit.msg)
			}
			os.Exit(exit.code)
		}
		fmt.Fprintln(os.Stderr, "hook:", err)
		os.Exit(1)
	}
}

// quietRedisLog discards go-redis's internal log lines (see main).
type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}
