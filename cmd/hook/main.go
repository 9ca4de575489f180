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
)

func main() {
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
