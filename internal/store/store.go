// Package store keeps hook's durable state in Redis: dedup claims, alert state
// (threshold windows, pending timers, groups, inhibitions, silences), the
// outbox of pages waiting for delivery, and the dead letters. Every key has a
// TTL; the streams' is refreshed on every write.
//
// Keys are built in one place (keys.go) and every script is handed each key
// it touches in KEYS, as Redis Cluster requires.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
)

// ErrUnavailable wraps every failure to reach Redis, so callers can tell "the
// state store is down" (answer 503, let TRTC retry) from a bug.
var ErrUnavailable = &alert.Error{Code: alert.EUNAVAILABLE, Reason: "unavailable", Message: "state store unavailable"}

// Redis is the state store. It is safe for concurrent use by any number of
// goroutines and replicas.
type Redis struct {
	rdb   redis.UniversalClient
	keys  Keyspace
	group string
	batch *Batcher // nil: each Fire is its own round trip
}

// New returns a store using rdb with keys under prefix (e.g. "hook").
func New(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{rdb: rdb, keys: NewKeyspace(prefix), group: "hook"}
}

// Keys is the store's keyspace.
func (s *Redis) Keys() Keyspace { return s.keys }

// OutboxKey is the stream that holds pages waiting for delivery.
func (s *Redis) OutboxKey() string { return s.keys.Outbox() }

// DeadLetterKey is the stream of pages that could not be delivered.
func (s *Redis) DeadLetterKey() string { return s.keys.DeadLetters() }

// Ping reports whether Redis answers.
func (s *Redis) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// OutboxTTL bounds the outbox stream's life without writes; every enqueue
// (lua/lib.lua) pushes it out again, so only an idle hook lets it lapse.
const OutboxTTL = 7 * 24 * time.Hour

// ensureGroup creates the outbox consumer group. It starts at "0", not "$", so
// pages enqueued before any dispatcher ever ran are delivered too. A stream
// it creates gets the outbox TTL: every key hook writes has one.
func (s *Redis) ensureGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.OutboxKey(), s.group, "0").Err()
	if redis.HasErrorPrefix(err, "BUSYGROUP") {
		return nil
	}
	if err == nil {
		err = s.rdb.PExpire(ctx, s.OutboxKey(), OutboxTTL).Err()
	}
	if err != nil {
		return fmt.Errorf("%w: create consumer group: %w", ErrUnavailable, err)
	}
	return nil
}

// withGroup runs op, creating the consumer group first if op finds none
// (a fresh Redis, or an outbox that expired while hook sat idle). Creating
// it on demand rather than before every read saves a round trip per poll.
func (s *Redis) withGroup(ctx context.Context, op func() error) error {
	err := op()
	if !redis.HasErrorPrefix(err, "NOGROUP") {
		return err
	}
	if err := s.ensureGroup(ctx); err != nil {
		return err
	}
	return op()
}

// Read implements notify.Outbox: new pages for consumer, waiting up to block.
func (s *Redis) Read(ctx context.Context, consumer string, count int, block time.Duration) ([]notify.Delivery, error) {
	var streams []redis.XStream
	err := s.withGroup(ctx, func() (err error) {
		streams, err = s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    s.group,
			Consumer: consumer,
			Streams:  []string{s.OutboxKey(), ">"},
			Count:    int64(count),
			Block:    block,
		}).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read outbox: %w", ErrUnavailable, err)
	}
	var out []notify.Delivery
	for _, st := range streams {
		out = append(out, deliveries(st.Messages)...)
	}
	return out, nil
}

// Reclaim implements notify.Outbox: takes over pages another consumer (a
// crashed replica, or this process before a restart) left pending for minIdle.
func (s *Redis) Reclaim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]notify.Delivery, error) {
	var msgs []redis.XMessage
	err := s.withGroup(ctx, func() (err error) {
		msgs, _, err = s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   s.OutboxKey(),
			Group:    s.group,
			Consumer: consumer,
			MinIdle:  minIdle,
			Start:    "0-0",
			Count:    int64(count),
		}).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: reclaim outbox: %w", ErrUnavailable, err)
	}
	return deliveries(msgs), nil
}

var ackScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`)

// Ack implements notify.Outbox: the page was delivered; forget it.
func (s *Redis) Ack(ctx context.Context, id string) error {
	if err := ackScript.Run(ctx, s.rdb, []string{s.OutboxKey()}, s.group, id).Err(); err != nil {
		return fmt.Errorf("%w: ack %s: %w", ErrUnavailable, id, err)
	}
	return nil
}

// deadLetterScript moves an entry to the dead-letter stream and removes it from
// the outbox in one step, so a notification is always in exactly one of the two.
var deadLetterScript = redis.NewScript(`
redis.call('XADD', KEYS[2], '*', ARGV[6], ARGV[3], 'reason', ARGV[4], 'outbox_id', ARGV[2], 'failed_at', ARGV[5])
redis.call('PEXPIRE', KEYS[2], 30 * 24 * 3600 * 1000) -- dead letters are read by humans; a month is plenty
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`)

// DeadLetter implements notify.Outbox.
// The dead letter holds the whole notification as delivery saw it ("n"), or
// an undecodable entry's raw fields ("raw"), for a human to read.
func (s *Redis) DeadLetter(ctx context.Context, d notify.Delivery, reason string) error {
	field, body := "n", d.Raw
	if d.Err == nil {
		b, err := d.Notification.Marshal()
		if err != nil {
			return err
		}
		body = b
	} else {
		field = "raw"
	}
	err := deadLetterScript.Run(ctx, s.rdb, []string{s.OutboxKey(), s.DeadLetterKey()},
		s.group, d.ID, body, reason, strconv.FormatInt(time.Now().UnixMilli(), 10), field).Err()
	if err != nil {
		return fmt.Errorf("%w: dead-letter %s: %w", ErrUnavailable, d.ID, err)
	}
	return nil
}

// Depth reports how many pages wait in the outbox (delivered pages are deleted).
func (s *Redis) Depth(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.OutboxKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: outbox depth: %w", ErrUnavailable, err)
	}
	return n, nil
}
