// Package redisconn connects hook to Redis as HOOK_REDIS_URL describes it
// (one server, Cluster or Sentinel; an in-process Redis when it is empty),
// with every wait of the client bounded, and waits for a Redis that does
// not answer yet.
package redisconn

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// waitMax caps the wait between two tries at a Redis that did not answer at
// startup.
const waitMax = 10 * time.Second

// URLError is a HOOK_REDIS_URL that does not parse. It never quotes the
// URL, which may hold a password.
type URLError struct{ Kind string }

func (e *URLError) Error() string {
	return "HOOK_REDIS_URL is not a valid " + e.Kind + " URL (see docs/deploy.md, Redis Cluster and Sentinel)"
}

// Open connects to url, or starts an in-process Redis when url is empty.
// Every call the client makes ends within timeout.
func Open(url string, timeout time.Duration, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if url == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, nil, fmt.Errorf("start in-process redis: %w", err)
		}
		log.Warn("HOOK_REDIS_URL is not set: state is in memory (in-process Redis) and lost on exit")
		rdb := redis.NewClient(boundClient(&redis.Options{Addr: mr.Addr()}, timeout))
		return rdb, func() { rdb.Close(); mr.Close() }, nil
	}
	rdb, topology, err := New(url, timeout)
	if err != nil {
		return nil, nil, err
	}
	log.Info("state store", "redis", topology)
	return rdb, func() { rdb.Close() }, nil
}

// New builds the client HOOK_REDIS_URL describes:
//
//	redis://[:password@]host:6379/0                     one server (rediss:// for TLS)
//	redis://host1:6379?addr=host2:6379&addr=host3:6379   Redis Cluster (seed nodes)
//	redis://host1:26379?master_name=mymaster&addr=...    Sentinel (sentinel nodes)
//
// topology describes it for the log, without the password.
func New(url string, timeout time.Duration) (rdb redis.UniversalClient, topology string, err error) {
	// Parse errors can echo the URL, password included: say only what is wrong.
	invalid := func(kind string) error {
		return &URLError{Kind: kind}
	}
	switch {
	case strings.Contains(url, "master_name="):
		opts, err := redis.ParseFailoverURL(url)
		if err != nil {
			return nil, "", invalid("Redis Sentinel")
		}
		return redis.NewFailoverClient(boundFailover(opts, timeout)), fmt.Sprintf("sentinel master %q via %v", opts.MasterName, opts.SentinelAddrs), nil
	case strings.Contains(url, "addr="):
		opts, err := redis.ParseClusterURL(url)
		if err != nil {
			return nil, "", invalid("Redis Cluster")
		}
		return redis.NewClusterClient(boundCluster(opts, timeout)), fmt.Sprintf("cluster seeds %v, tls %v", opts.Addrs, opts.TLSConfig != nil), nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, "", invalid("redis:// or rediss://")
	}
	return redis.NewClient(boundClient(opts, timeout)), fmt.Sprintf("%s db %d, tls %v", opts.Addr, opts.DB, opts.TLSConfig != nil), nil
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

// Pinger is what Wait needs of the store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Wait returns once Redis answers a ping, trying again with a
// backoff capped at waitMax: a hook started before its Redis (a
// restart of both, a Kubernetes rollout) serves /healthz and answers
// callbacks 503 and /readyz 503 meanwhile, instead of exiting into a crash
// loop. false when ctx ends first.
func Wait(ctx context.Context, p Pinger, timeout time.Duration, log *slog.Logger) bool {
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
		wait = min(2*wait, waitMax)
	}
}
