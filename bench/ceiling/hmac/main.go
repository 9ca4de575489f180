// Command hmac is the first throughput ceiling for hook's bench harness:
// Echo, HMAC verification and JSON decoding of each callback, and nothing
// else. It is not part of hook.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hookdev/hook/bench/ceiling"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o, err := ceiling.ParseFlags("hmac", os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceiling hmac:", err)
		os.Exit(2)
	}
	h := ceiling.New(ceiling.Config{Key: []byte(o.Key), MaxBody: 1 << 20, ReplayWindow: 10 * time.Minute, Now: time.Now}, nil)
	if err := ceiling.Serve(ctx, o, h); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling hmac:", err)
		os.Exit(1)
	}
}
