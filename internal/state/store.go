// Package store keeps hook's durable state in Redis: dedup claims, alert state
// (threshold windows, pending timers, groups, inhibitions, silences), the
// outbox of pages waiting for delivery, and the dead letters. Every key has a
// TTL; the streams' is refreshed on every write.
//
// Keys are built in one place (keys.go) and every script is handed each key
// it touches in KEYS, as Redis Cluster requires. A room's keys live in one of
// a fixed number of partitions, each under its own hash tag, so that on Redis
// Cluster rooms spread over the masters while one callback stays one script
// in one slot (keys.go, partition.go); the store reads the partitions'
// outboxes and timers as one.
package state

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// ErrUnavailable wraps every failure to reach Redis, so callers can tell "the
// state store is down" (answer 503, let TRTC retry) from a bug.
var ErrUnavailable = &alert.Error{Code: alert.EUNAVAILABLE, Reason: "unavailable", Message: "state store unavailable"}

// Redis is the state store. It is safe for concurrent use by any number of
// goroutines and replicas.
type Redis struct {
	rdb    redis.UniversalClient
	layout Layout
	parts  []part // the partitions, then (when several) the single-slot layout, drained
	group  string
	opts   Options
	next   atomic.Uint32 // where the next outbox poll starts, so no partition waits behind the others
	batch  *Batcher      // nil: each Fire is its own round trip
	// cluster is set on Redis Cluster, where a script holds keys of one slot.
	cluster bool
	// versionOK is set once every master was found recent enough (Ping).
	versionOK atomic.Bool
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
	// Poll is how often an idle dispatcher looks at the outbox streams when
	// there are several (default 100ms): one blocking read cannot wait on
	// streams in different cluster slots.
	Poll time.Duration
}

// New returns a store using rdb with keys under prefix (e.g. "hook"), in the
// single-slot layout.
func New(rdb redis.UniversalClient, prefix string) *Redis {
	s, _ := NewPartitioned(rdb, prefix, Options{}) // one partition is always valid
	return s
}

// NewPartitioned returns a store using rdb with keys under prefix, tuned by opts.
func NewPartitioned(rdb redis.UniversalClient, prefix string, opts Options) (*Redis, error) {
	l, err := NewLayout(prefix, max(opts.Partitions, 1))
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
	if opts.Poll <= 0 {
		opts.Poll = 100 * time.Millisecond
	}
	_, cluster := rdb.(*redis.ClusterClient)
	return &Redis{rdb: rdb, layout: l, parts: newParts(l), group: "hook", opts: opts, cluster: cluster}, nil
}

// Layout is where the store keeps each room's keys.
func (s *Redis) Layout() Layout { return s.layout }

// OutboxKey is the outbox stream of the single-slot layout: with one
// partition, the outbox; with several, the stream hook kept before
// partitioning, which the dispatcher drains.
func (s *Redis) OutboxKey() string { return s.layout.Global().Outbox() }

// DeadLetterKey is the dead-letter stream of the single-slot layout (see OutboxKey).
func (s *Redis) DeadLetterKey() string { return s.layout.Global().DeadLetters() }

// Ping reports whether Redis answers, and, the first time it does, whether
// it is a Redis hook runs on (see checkVersion).
func (s *Redis) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
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

// OutboxTTL bounds the outbox stream's life without writes; every enqueue
// (lua/lib.lua) pushes it out again, so only an idle hook lets it lapse.
const OutboxTTL = 7 * 24 * time.Hour
