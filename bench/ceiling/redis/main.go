// Command redis is the one-round-trip throughput ceiling for hook's bench
// harness: the hmac ceiling plus one SET NX (with a TTL, as a dedup claim
// would have) per callback. It is not part of hook.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/bench/ceiling"
)

// claimTTL is how long a claim lives: hook's default dedup window.
const claimTTL = 10 * time.Minute

// setNX claims keys with one SET NX EX each.
type setNX struct{ rdb *redis.Client }

func (s setNX) Claim(ctx context.Context, key string) error {
	return s.rdb.SetNX(ctx, "{bench}:"+key, 1, claimTTL).Err()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling redis:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	o, err := ceiling.ParseFlags("redis", os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	if o.RedisURL == "" {
		return fmt.Errorf("-redis is required")
	}
	opts, err := redis.ParseURL(o.RedisURL)
	if err != nil {
		return fmt.Errorf("-redis: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at startup: %w", err)
	}
	h := ceiling.New(ceiling.Config{Key: []byte(o.Key), MaxBody: 1 << 20, ReplayWindow: 10 * time.Minute, Now: time.Now}, setNX{rdb})
	return ceiling.Serve(ctx, o, h)
}
