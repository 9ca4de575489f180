// Package state keeps alert state in Redis and moves it on: dedup claims,
// threshold windows, pending timers, groups and inhibitions, decided for
// each callback by one atomic script (lua/fire.lua) that also checks the
// silences and enqueues what pages into the outbox, and for each due timer
// by another (lua/tick.lua). Every key has a TTL.
//
// Keys are built in Go (keys.go; the outbox's and the silences' by their
// packages) and every script is handed each key it touches in KEYS, as
// Redis Cluster requires. A room's keys live in one of a fixed number of
// partitions (keyspace.Layout), so that on Redis Cluster rooms spread over
// the masters while one callback stays one script in one slot.
package state

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// Redis is the state store. It is safe for concurrent use by any number of
// goroutines and replicas.
type Redis struct {
	rdb    redis.UniversalClient
	layout keyspace.Layout
	parts  []part // the partitions, then (when several) the single-slot layout, drained
	opts   Options
	batch  *Batcher // nil: each Fire is its own round trip
	// cluster is set on Redis Cluster, where a script holds keys of one slot.
	cluster bool
	// versionOK is set once every master was found recent enough (Ping).
	versionOK atomic.Bool
	// warm guesses which threshold waits run, to send their ops slim.
	warm *warmWaits
}

// Options tune a partitioned store. The zero value is the single-slot layout
// without WAIT.
type Options struct {
	// Partitions is how many partitions the rooms are spread over (1 when
	// zero). It is fixed for a deployment: changing it moves every room's
	// keys (see Migrate).
	Partitions int
	// WaitReplicas, when positive, makes Fire wait (WAIT) until that many
	// replicas have the callback's writes before it succeeds, so a failover
	// cannot lose a callback TRTC was told is handled; a Fire that times out
	// fails (TRTC retries it). WaitTimeout bounds the wait (default 1s).
	WaitReplicas int
	WaitTimeout  time.Duration
}

// New returns a store using rdb with keys under prefix (e.g. "hook"), in the
// single-slot layout.
func New(rdb redis.UniversalClient, prefix string) *Redis {
	s, _ := NewPartitioned(rdb, prefix, Options{}) // one partition is always valid
	return s
}

// NewPartitioned returns a store using rdb with keys under prefix, tuned by opts.
func NewPartitioned(rdb redis.UniversalClient, prefix string, opts Options) (*Redis, error) {
	l, err := keyspace.NewLayout(prefix, max(opts.Partitions, 1))
	if err != nil {
		return nil, err
	}
	if opts.WaitReplicas < 0 {
		return nil, fmt.Errorf("wait replicas: %d is negative", opts.WaitReplicas)
	}
	switch rdb.(type) {
	case *redis.Client, *redis.ClusterClient:
	default:
		if opts.WaitReplicas > 0 {
			return nil, fmt.Errorf("wait replicas: needs a redis.Client or a redis.ClusterClient, not %T", rdb)
		}
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = time.Second
	}
	_, cluster := rdb.(*redis.ClusterClient)
	return &Redis{rdb: rdb, layout: l, parts: newParts(l), opts: opts, cluster: cluster, warm: newWarmWaits()}, nil
}

// Layout is where the store keeps each room's keys.
func (s *Redis) Layout() keyspace.Layout { return s.layout }

// Client is the Redis client the store runs on, for what shares its Redis
// and layout (the outbox it enqueues into, the silences it checks).
func (s *Redis) Client() redis.UniversalClient { return s.rdb }

// Ping reports whether Redis answers, and, the first time it does, whether
// it is a Redis hook runs on (see checkVersion).
func (s *Redis) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %w", alert.ErrStoreUnavailable, err)
	}
	if s.versionOK.Load() {
		return nil
	}
	if err := s.checkVersion(ctx); err != nil {
		return err
	}
	s.versionOK.Store(true)
	return nil
}
