// Package outbox keeps the notifications waiting for delivery in Redis: one
// stream per part (keyspace.Layout.Parts), each with the consumer group
// "hook", read, reclaimed, held (Touch), acknowledged and dead-lettered for
// notify's dispatcher; the dead letters and their admin (list, retry,
// drop); the flood digests pages are absorbed into; and the follow-ups that
// enter the outbox at a time of their own (later.go). Outbox ids carry
// their part ("p07:<stream id>"), so the dispatcher never knows there are
// several. The fire script (internal/state) enqueues into the streams; the
// entry format it writes is read here (entry.go).
//
// It implements notify.Outbox and the interfaces beside it; what it hands
// over are alert types (alert.Delivery, alert.DeadLetter, ...), so it
// imports no notifier.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// Outbox is the outbox of every part of a layout. It is safe for concurrent
// use by any number of goroutines and replicas.
type Outbox struct {
	rdb       redis.UniversalClient
	layout    keyspace.Layout
	parts     []part // the partitions, then (when several) the single-slot layout, drained
	group     string
	pollEvery time.Duration
	now       func() time.Time
	scripts   scripts
	words     CodeWords     // nil: codes are handed over as the wire keeps them
	next      atomic.Uint32 // where the next poll starts, so no partition waits behind the others
}

// Options tune an Outbox.
type Options struct {
	// Poll is how often an idle dispatcher looks at the outbox streams when
	// there are several (default 100ms): one blocking read cannot wait on
	// streams in different cluster slots.
	Poll time.Duration
	// Now is the clock dead letters and digests are stamped with (default
	// time.Now).
	Now func() time.Time
	// Words gives the codes of every notification read back the catalogue's
	// words, which the wire leaves out (alert.WireCodes): match.CodeWords.
	// Without it codes are read as kept, their field and value only.
	Words CodeWords
}

// CodeWords fills in the catalogue's words of a notification's codes. The
// outbox is where every reader (the dispatcher, dead-letter and digest
// listings, hook test and backtest) takes notifications from, so the words
// are given back in one place, before anything renders them.
type CodeWords interface {
	Fill(n *alert.Notification)
}

// New returns the outbox of layout on rdb.
func New(rdb redis.UniversalClient, layout keyspace.Layout, opts Options) *Outbox {
	if opts.Poll <= 0 {
		opts.Poll = 100 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	o := &Outbox{rdb: rdb, layout: layout, group: "hook", pollEvery: opts.Poll, now: opts.Now, scripts: newScripts(), words: opts.Words}
	for _, p := range layout.Parts() {
		o.parts = append(o.parts, part{p})
	}
	return o
}

// Layout is where the outbox keeps its streams.
func (o *Outbox) Layout() keyspace.Layout { return o.layout }

// Key is the outbox stream of the single-slot layout: with one partition,
// the outbox; with several, the stream hook kept before partitioning, which
// the dispatcher drains.
func (o *Outbox) Key() string { return Stream(o.layout.Global()) }

// DeadLetterKey is the dead-letter stream of the single-slot layout (see Key).
func (o *Outbox) DeadLetterKey() string { return DeadLetters(o.layout.Global()) }

// TTL bounds an outbox stream's life without writes; every enqueue (the
// fire script's, internal/state) pushes it out again, so only an idle hook
// lets it lapse.
const TTL = 7 * 24 * time.Hour

// DeadLetterTTL bounds a dead-letter stream's life without writes: dead
// letters are read by humans; a month is plenty.
const DeadLetterTTL = 30 * 24 * time.Hour

// ensureGroup creates p's consumer group. It starts at "0", not "$", so
// pages enqueued before any dispatcher ever ran are delivered too. A stream
// it creates gets the outbox TTL: every key hook writes has one.
func (o *Outbox) ensureGroup(ctx context.Context, p part) error {
	key := p.stream()
	err := o.rdb.XGroupCreateMkStream(ctx, key, o.group, "0").Err()
	if redis.HasErrorPrefix(err, "BUSYGROUP") {
		return nil
	}
	if err == nil {
		err = o.rdb.PExpire(ctx, key, TTL).Err()
	}
	if err != nil {
		return fmt.Errorf("%w: create consumer group: %w", alert.ErrStoreUnavailable, err)
	}
	return nil
}

// withGroup runs op, creating p's consumer group first if op finds none
// (a fresh Redis, or an outbox that expired while hook sat idle). Creating
// it on demand rather than before every read saves a round trip per poll.
func (o *Outbox) withGroup(ctx context.Context, p part, op func() error) error {
	err := op()
	if !redis.HasErrorPrefix(err, "NOGROUP") {
		return err
	}
	if err := o.ensureGroup(ctx, p); err != nil {
		return err
	}
	return op()
}

// Read implements notify.Outbox: new pages for consumer, waiting up to block.
// One stream is read with a blocking XREADGROUP. Several are polled: a
// blocking read may name several streams only within one cluster slot, so
// Read reads them all in one pipeline (one round trip per master), and when
// none has anything waits Options.Poll and looks again, until block.
func (o *Outbox) Read(ctx context.Context, consumer string, count int, block time.Duration) ([]alert.Delivery, error) {
	if len(o.parts) == 1 {
		return o.readBlocking(ctx, o.parts[0], consumer, count, block)
	}
	// The block is real time, whatever clock stamps the pages: a timer
	// ends it, not a reading of the clock.
	deadline := time.NewTimer(block)
	defer deadline.Stop()
	for {
		out, err := o.poll(ctx, consumer, count)
		if err != nil || len(out) > 0 {
			return out, err
		}
		t := time.NewTimer(o.pollEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-deadline.C:
			t.Stop()
			return o.poll(ctx, consumer, count) // a last look, as the block ends
		case <-t.C:
		}
	}
}

func (o *Outbox) readBlocking(ctx context.Context, p part, consumer string, count int, block time.Duration) ([]alert.Delivery, error) {
	var streams []redis.XStream
	err := o.withGroup(ctx, p, func() (err error) {
		streams, err = o.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    o.group,
			Consumer: consumer,
			Streams:  []string{p.stream(), ">"},
			Count:    int64(count),
			Block:    block,
		}).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read outbox: %w", alert.ErrStoreUnavailable, err)
	}
	var out []alert.Delivery
	for _, st := range streams {
		out = append(out, o.deliveries(p, st.Messages)...)
	}
	return out, nil
}

// poll reads new entries from every stream at once, never more than count
// in all: each stream gets its share of count (the first ones in turn get
// the remainder, or one each when count is smaller than the number of
// streams), and the turn moves on with every poll so no stream waits behind
// the others. A stream without its group gets one, and is read next time.
func (o *Outbox) poll(ctx context.Context, consumer string, count int) ([]alert.Delivery, error) {
	n := len(o.parts)
	start := int(o.next.Add(1)) % n
	type read struct {
		p   part
		cmd *redis.XStreamSliceCmd
	}
	reads := make([]read, 0, n)
	pipe := o.rdb.Pipeline()
	for i := range min(n, count) {
		p := o.parts[(start+i)%n]
		share := count / n
		if i < count%n {
			share++
		}
		reads = append(reads, read{p, pipe.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: o.group, Consumer: consumer, Streams: []string{p.stream(), ">"},
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
			if err := o.ensureGroup(ctx, r.p); err != nil && failed == nil {
				failed = err
			}
		case err != nil:
			if failed == nil {
				failed = fmt.Errorf("%w: read outbox: %w", alert.ErrStoreUnavailable, err)
			}
		}
		for _, st := range streams {
			out = append(out, o.deliveries(r.p, st.Messages)...)
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
func (o *Outbox) Reclaim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]alert.Delivery, error) {
	var out []alert.Delivery
	for _, p := range o.parts {
		if len(out) >= count {
			break
		}
		var msgs []redis.XMessage
		err := o.withGroup(ctx, p, func() (err error) {
			msgs, _, err = o.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream:   p.stream(),
				Group:    o.group,
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
			return nil, fmt.Errorf("%w: reclaim outbox: %w", alert.ErrStoreUnavailable, err)
		}
		out = append(out, o.deliveries(p, msgs)...)
	}
	return out, nil
}

// Ack implements notify.Outbox: the page was delivered; forget it.
func (o *Outbox) Ack(ctx context.Context, id string) error {
	p, sid, ok := o.locate(id)
	if !ok {
		return fmt.Errorf("ack %s: not an outbox id", id)
	}
	if err := o.scripts.ack.Run(ctx, o.rdb, []string{p.stream()}, o.group, sid).Err(); err != nil {
		return fmt.Errorf("%w: ack %s: %w", alert.ErrStoreUnavailable, id, err)
	}
	return nil
}

// DeadLetter implements notify.Outbox.
// The dead letter holds the whole notification as delivery saw it ("n"), or
// an undecodable entry's raw fields ("raw"), for a human to read.
func (o *Outbox) DeadLetter(ctx context.Context, d alert.Delivery, reason string) error {
	p, sid, ok := o.locate(d.ID)
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
	err := o.scripts.deadLetter.Run(ctx, o.rdb, []string{p.stream(), p.deadLetters()},
		o.group, sid, body, reason, strconv.FormatInt(o.now().UnixMilli(), 10), field, d.ID, DeadLetterTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("%w: dead-letter %s: %w", alert.ErrStoreUnavailable, d.ID, err)
	}
	return nil
}

// Depth reports how many pages wait in the outbox (delivered pages are deleted).
func (o *Outbox) Depth(ctx context.Context) (int64, error) {
	n, err := o.sumLen(ctx, Stream)
	if err != nil {
		return 0, fmt.Errorf("%w: outbox depth: %w", alert.ErrStoreUnavailable, err)
	}
	return n, nil
}

// sumLen adds up XLEN of one stream of every part, in one pipeline.
func (o *Outbox) sumLen(ctx context.Context, stream func(keyspace.Keyspace) string) (int64, error) {
	return o.sum(ctx, func(pipe redis.Pipeliner, ks keyspace.Keyspace) *redis.IntCmd { return pipe.XLen(ctx, stream(ks)) })
}

// sum adds up a count of every part, each queued by count on one pipeline.
func (o *Outbox) sum(ctx context.Context, count func(redis.Pipeliner, keyspace.Keyspace) *redis.IntCmd) (int64, error) {
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(o.parts))
	for i, p := range o.parts {
		cmds[i] = count(pipe, p.Keys)
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
