package settings

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/notify"
)

// Defaults of the settings that bound hook's waits.
const (
	// DefaultRedisTimeout bounds every Redis call: well inside TRTC's 5 s, so
	// a callback that cannot be committed gets its 503 in time to be retried.
	DefaultRedisTimeout = 2 * time.Second
	// trtcBudget is how long TRTC waits for an answer before it gives up on
	// one attempt; a Redis timeout must leave room inside it.
	trtcBudget = 5 * time.Second
)

// Reliability is how long hook waits on Redis and on receivers.
type Reliability struct {
	RedisTimeout time.Duration // HOOK_REDIS_TIMEOUT: every Redis call
	RetryMax     time.Duration // HOOK_RETRY_MAX: longest wait between two delivery attempts
	ReclaimIdle  time.Duration // HOOK_RECLAIM_IDLE: a silent replica's pages are taken over after this
}

// reliabilityFlags registers the settings on fs and returns the function
// that reads them once fs is parsed and the environment applied.
func reliabilityFlags(fs *pflag.FlagSet) func() (Reliability, error) {
	redisTimeout := fs.String("redis-timeout", DefaultRedisTimeout.String(),
		"bound on every Redis call; a callback Redis cannot commit within it gets 503")
	cli.FromEnv(fs, "redis-timeout", "HOOK_REDIS_TIMEOUT")
	retryMax := fs.String("retry-max", notify.DefaultBackoffMax.String(),
		"longest wait between two delivery attempts: after a Slack outage paging resumes within it")
	cli.FromEnv(fs, "retry-max", "HOOK_RETRY_MAX")
	reclaimIdle := fs.String("reclaim-idle", time.Minute.String(),
		"pages a replica has not touched for this long are taken over by another")
	cli.FromEnv(fs, "reclaim-idle", "HOOK_RECLAIM_IDLE")
	return func() (Reliability, error) {
		var c Reliability
		var err error
		if c.RedisTimeout, err = time.ParseDuration(*redisTimeout); err != nil || c.RedisTimeout <= 0 || c.RedisTimeout >= trtcBudget {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --redis-timeout %q is not a duration above 0 and under TRTC's %s, like 2s", *redisTimeout, trtcBudget)}
		}
		if c.RetryMax, err = time.ParseDuration(*retryMax); err != nil || c.RetryMax < time.Second {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --retry-max %q is not a duration of at least 1s, like 20s", *retryMax)}
		}
		if c.ReclaimIdle, err = time.ParseDuration(*reclaimIdle); err != nil || c.ReclaimIdle < 2*time.Second {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --reclaim-idle %q is not a duration of at least 2s, like 1m", *reclaimIdle)}
		}
		return c, nil
	}
}
