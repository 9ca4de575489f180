package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/notify"
)

// Defaults of the settings that bound hook's waits.
const (
	// defaultRedisTimeout bounds every Redis call: well inside TRTC's 5 s, so
	// a callback that cannot be committed gets its 503 in time to be retried.
	defaultRedisTimeout = 2 * time.Second
	// trtcBudget is how long TRTC waits for an answer before it gives up on
	// one attempt; a Redis timeout must leave room inside it.
	trtcBudget = 5 * time.Second
	// redisWaitMax caps the wait between two tries at a Redis that did not
	// answer at startup.
	redisWaitMax = 10 * time.Second
)

// reliabilityConfig is how long hook waits on Redis and on receivers.
type reliabilityConfig struct {
	redisTimeout time.Duration // HOOK_REDIS_TIMEOUT: every Redis call
	retryMax     time.Duration // HOOK_RETRY_MAX: longest wait between two delivery attempts
	reclaimIdle  time.Duration // HOOK_RECLAIM_IDLE: a silent replica's pages are taken over after this
}

// reliabilityFlags registers the settings on fs and returns the function
// that reads them once fs is parsed and the environment applied.
func reliabilityFlags(fs *pflag.FlagSet) func() (reliabilityConfig, error) {
	redisTimeout := fs.String("redis-timeout", defaultRedisTimeout.String(),
		"bound on every Redis call; a callback Redis cannot commit within it gets 503")
	cli.FromEnv(fs, "redis-timeout", "HOOK_REDIS_TIMEOUT")
	retryMax := fs.String("retry-max", notify.DefaultBackoffMax.String(),
		"longest wait between two delivery attempts: after a Slack outage paging resumes within it")
	cli.FromEnv(fs, "retry-max", "HOOK_RETRY_MAX")
	reclaimIdle := fs.String("reclaim-idle", time.Minute.String(),
		"pages a replica has not touched for this long are taken over by another")
	cli.FromEnv(fs, "reclaim-idle", "HOOK_RECLAIM_IDLE")
	return func() (reliabilityConfig, error) {
		var c reliabilityConfig
		var err error
		if c.redisTimeout, err = time.ParseDuration(*redisTimeout); err != nil || c.redisTimeout <= 0 || c.redisTimeout >= trtcBudget {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --redis-timeout %q is not a duration above 0 and under TRTC's %s, like 2s", *redisTimeout, trtcBudget)}
		}
		if c.retryMax, err = time.ParseDuration(*retryMax); err != nil || c.retryMax < time.Second {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --retry-max %q is not a duration of at least 1s, like 20s", *retryMax)}
		}
		if c.reclaimIdle, err = time.ParseDuration(*reclaimIdle); err != nil || c.reclaimIdle < 2*time.Second {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --reclaim-idle %q is not a duration of at least 2s, like 1m", *reclaimIdle)}
		}
		return c, nil
	}
}

// boundRedis makes every call of a client built from these options end
// within timeout: go-redis ignores context deadlines unless
// ContextTimeoutEnabled is set, and waits PoolTimeout for a free connection
// before it even sends, so each wait is bounded here.
func boundRedis(timeout time.Duration) (dial, read, write, pool time.Duration, ctxTimeouts bool) {
	return timeout, timeout, timeout, timeout, true
}

func boundClient(o *redis.Options, timeout time.Duration) *redis.Options {
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.ContextTimeoutEnabled = boundRedis(timeout)
	return o
}

func boundCluster(o *redis.ClusterOptions, timeout time.Duration) *redis.ClusterOptions {
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.ContextTimeoutEnabled = boundRedis(timeout)
	return o
}

func boundFailover(o *redis.FailoverOptions, timeout time.Duration) *redis.FailoverOptions {
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.ContextTimeoutEnabled = boundRedis(timeout)
	return o
}

// pinger is what waitForRedis needs of the store.
type pinger interface {
	Ping(ctx context.Context) error
}

// waitForRedis returns once Redis answers a ping, trying again with a
// backoff capped at redisWaitMax: a hook started before its Redis (a
// restart of both, a Kubernetes rollout) serves /healthz and answers
// callbacks 503 and /readyz 503 meanwhile, instead of exiting into a crash
// loop. false when ctx ends first.
func waitForRedis(ctx context.Context, p pinger, timeout time.Duration, log *slog.Logger) bool {
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		pingCtx, cancel := context.WithTimeout(ctx, timeout)
		err := p.Ping(pingCtx)
		cancel()
		if err == nil {
			if attempt > 1 {
				log.Info("redis answers: starting delivery and timers")
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		log.Warn("redis unavailable: callbacks get 503 and /readyz 503 until it answers; retrying",
			"attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, redisWaitMax)
	}
}
