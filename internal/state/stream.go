package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// The outbox is one stream per part (see partition.go), each with the
// consumer group "hook". The store implements notify.Outbox over all of
// them: outbox ids carry their part ("p07:<stream id>"), so the dispatcher
// never knows there are several.

// ensureGroup creates p's consumer group. It starts at "0", not "$", so
// pages enqueued before any dispatcher ever ran are delivered too. A stream
// it creates gets the outbox TTL: every key hook writes has one.
func (s *Redis) ensureGroup(ctx context.Context, p part) error {
	key := p.keys.Outbox()
	err := s.rdb.XGroupCreateMkStream(ctx, key, s.group, "0").Err()
	if redis.HasErrorPrefix(err, "BUSYGROUP") {
		return nil
	}
	if err == nil {
		err = s.rdb.PExpire(ctx, key, OutboxTTL).Err()
	}
	if err != nil {
		return fmt.Errorf("%w: create consumer group: %w", ErrUnavailable, err)
	}
	return nil
}

// withGroup runs op, creating p's consumer group first if op finds none
// (a fresh Redis, or an outbox that expired while hook sat idle). Creating
// it on demand rather than before every read saves a round trip per poll.
func (s *Redis) withGroup(ctx context.Context, p part, op func() error) error {
	err := op()
	if !redis.HasErrorPrefix(err, "NOGROUP") {
		return err
	}
	if err := s.ensureGroup(ctx, p); err != nil {
		return err
	}
	return op()
}

// Read implements notify.Outbox: new pages for consumer, waiting up to block.
// One stream is read with a blocking XREADGROUP. Several are polled: a
// blocking read may name several streams only within one cluster slot, so
// Read reads them all in one pipeline (one round trip per master), and when
// none has anything waits Options.Poll and looks again, until block.
func (s *Redis) Read(ctx context.Context, consumer string, count int, block time.Duration) ([]alert.Delivery, error) {
	if len(s.parts) == 1 {
		return s.readBlocking(ctx, s.parts[0], consumer, count, block)
	}
	deadline := time.Now().Add(block)
	for {
		out, err := s.poll(ctx, consumer, count)
		if err != nil || len(out) > 0 {
			return out, err
		}
		wait := min(s.opts.Poll, time.Until(deadline))
		if wait <= 0 {
			return nil, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
	}
}

func (s *Redis) readBlocking(ctx context.Context, p part, consumer string, count int, block time.Duration) ([]alert.Delivery, error) {
	var streams []redis.XStream
	err := s.withGroup(ctx, p, func() (err error) {
		streams, err = s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    s.group,
			Consumer: consumer,
			Streams:  []string{p.keys.Outbox(), ">"},
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
	var out []alert.Delivery
	for _, st := range streams {
		out = append(out, deliveries(p, st.Messages)...)
	}
	return out, nil
}

// poll reads new entries from every stream at once, never more than count
// in all: each stream gets its share of count (the first ones in turn get
// the remainder, or one each when count is smaller than the number of
// streams), and the turn moves on with every poll so no stream waits behind
// the others. A stream without its group gets one, and is read next time.
func (s *Redis) poll(ctx context.Context, consumer string, count int) ([]alert.Delivery, error) {
	n := len(s.parts)
	start := int(s.next.Add(1)) % n
	type read struct {
		p   part
		cmd *redis.XStreamSliceCmd
	}
	reads := make([]read, 0, n)
	pipe := s.rdb.Pipeline()
	for i := range min(n, count) {
		p := s.parts[(start+i)%n]
		share := count / n
		if i < count%n {
			share++
		}
		reads = append(reads, read{p, pipe.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: s.group, Consumer: consumer, Streams: []string{p.keys.Outbox(), ">"},
			Count: int64(share), Block: -1, // never block: the other streams wait meanwhile
		})})
	}
	_, _ = pipe.Exec(ctx) // errors checked per command below
	var out []alert.Delivery
	var failed error
	for _, r := range reads {
		streams, err := r.cmd.Result()
		switch {
		case errors.Is(err, redis.Nil):
		case redis.HasErrorPrefix(err, "NOGROUP"):
			if err := s.ensureGroup(ctx, r.p); err != nil && failed == nil {
				failed = err
			}
		case err != nil:
			if failed == nil {
				failed = fmt.Errorf("%w: read outbox: %w", ErrUnavailable, err)
			}
		}
		for _, st := range streams {
			out = append(out, deliveries(r.p, st.Messages)...)
		}
	}
	// What the other streams returned is this consumer's now: hand it over
	// rather than leave it for a reclaim; the failure shows at the next read.
	if len(out) > 0 {
		return out, nil
	}
	return nil, failed
}

// Reclaim implements notify.Outbox: takes over pages another consumer (a
// crashed replica, or this process before a restart) left pending for
// minIdle, from each stream in turn until count.
func (s *Redis) Reclaim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]alert.Delivery, error) {
	var out []alert.Delivery
	for _, p := range s.parts {
		if len(out) >= count {
			break
		}
		var msgs []redis.XMessage
		err := s.withGroup(ctx, p, func() (err error) {
			msgs, _, err = s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream:   p.keys.Outbox(),
				Group:    s.group,
				Consumer: consumer,
				MinIdle:  minIdle,
				Start:    "0-0",
				Count:    int64(count - len(out)),
			}).Result()
			return err
		})
		if err != nil {
			if len(out) > 0 {
				return out, nil
			}
			return nil, fmt.Errorf("%w: reclaim outbox: %w", ErrUnavailable, err)
		}
		out = append(out, deliveries(p, msgs)...)
	}
	return out, nil
}

var ackScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`)

// Ack implements notify.Outbox: the page was delivered; forget it.
func (s *Redis) Ack(ctx context.Context, id string) error {
	p, sid, ok := s.locate(id)
	if !ok {
		return fmt.Errorf("ack %s: not an outbox id", id)
	}
	if err := ackScript.Run(ctx, s.rdb, []string{p.keys.Outbox()}, s.group, sid).Err(); err != nil {
		return fmt.Errorf("%w: ack %s: %w", ErrUnavailable, id, err)
	}
	return nil
}

// deadLetterScript moves an entry to the dead-letter stream and removes it from
// the outbox in one step, so a notification is always in exactly one of the
// two. That is why each part has its own dead letters, in its slot.
var deadLetterScript = redis.NewScript(`
redis.call('XADD', KEYS[2], '*', ARGV[6], ARGV[3], 'reason', ARGV[4], 'outbox_id', ARGV[7], 'failed_at', ARGV[5])
redis.call('PEXPIRE', KEYS[2], 30 * 24 * 3600 * 1000) -- dead letters are read by humans; a month is plenty
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`)

// DeadLetter implements notify.Outbox.
// The dead letter holds the whole notification as delivery saw it ("n"), or
// an undecodable entry's raw fields ("raw"), for a human to read.
func (s *Redis) DeadLetter(ctx context.Context, d alert.Delivery, reason string) error {
	p, sid, ok := s.locate(d.ID)
	if !ok {
		return fmt.Errorf("dead-letter %s: not an outbox id", d.ID)
	}
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
	err := deadLetterScript.Run(ctx, s.rdb, []string{p.keys.Outbox(), p.keys.DeadLetters()},
		s.group, sid, body, reason, strconv.FormatInt(time.Now().UnixMilli(), 10), field, d.ID).Err()
	if err != nil {
		return fmt.Errorf("%w: dead-letter %s: %w", ErrUnavailable, d.ID, err)
	}
	return nil
}

// Depth reports how many pages wait in the outbox (delivered pages are deleted).
func (s *Redis) Depth(ctx context.Context) (int64, error) {
	n, err := s.sumLen(ctx, func(k Keyspace) string { return k.Outbox() })
	if err != nil {
		return 0, fmt.Errorf("%w: outbox depth: %w", ErrUnavailable, err)
	}
	return n, nil
}

// sumLen adds up XLEN of one stream of every part, in one pipeline.
func (s *Redis) sumLen(ctx context.Context, stream func(Keyspace) string) (int64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(s.parts))
	for i, p := range s.parts {
		cmds[i] = pipe.XLen(ctx, stream(p.keys))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}
