package outbox

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// Notifications that enter the outbox at a time of their own (a page's
// follow-up, minutes after it) wait in each part's later set (Later),
// beside its outbox, in its slot. They get there with the acknowledgement of
// the page they follow (AckDefer) and leave it for the outbox when due
// (ReleaseDue): both steps are single scripts, so a follow-up survives
// restarts and failovers like any page, and enters the outbox once whatever
// number of replicas deliver and release.

// LaterTTL bounds a later set's life without writes: far beyond any
// follow-up's wait, so only an idle hook lets one lapse.
const LaterTTL = TTL

// AckDefer implements notify.Deferrer: it acknowledges outbox entry id, as Ack
// does, and schedules n to enter the same part's outbox at n.CreatedAt, only
// if this call is the one that removed the entry.
func (o *Outbox) AckDefer(ctx context.Context, id string, n alert.Notification) error {
	p, sid, ok := o.locate(id)
	if !ok {
		return fmt.Errorf("ack %s: not an outbox id", id)
	}
	body, err := n.Marshal()
	if err != nil {
		return err
	}
	err = o.scripts.laterAck.Run(ctx, o.rdb, []string{p.stream(), p.later()},
		o.group, sid, n.CreatedAt.UnixMilli(), body, LaterTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("%w: ack %s and schedule its follow-up: %w", alert.ErrStoreUnavailable, id, err)
	}
	return nil
}

// ReleaseDue implements notify.Deferrer: it moves the notifications due by now
// into their outboxes, at most limit in all. One pipeline looks at every
// part's later set; only parts with something due run the script.
func (o *Outbox) ReleaseDue(ctx context.Context, now time.Time, limit int) (int, error) {
	pipe := o.rdb.Pipeline()
	due := strconv.FormatInt(now.UnixMilli(), 10)
	cmds := make([]*redis.IntCmd, len(o.parts))
	for i, p := range o.parts {
		cmds[i] = pipe.ZCount(ctx, p.later(), "-inf", due)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("%w: due follow-ups: %w", alert.ErrStoreUnavailable, err)
	}
	moved := 0
	for i, c := range cmds {
		if c.Val() == 0 || moved >= limit {
			continue
		}
		p := o.parts[i]
		n, err := o.scripts.laterRelease.Run(ctx, o.rdb, []string{p.later(), p.stream()},
			due, limit-moved, TTL.Milliseconds()).Int()
		if err != nil {
			return moved, fmt.Errorf("%w: release due follow-ups: %w", alert.ErrStoreUnavailable, err)
		}
		moved += n
	}
	return moved, nil
}

// Deferred counts the notifications waiting in the later sets (follow-ups not
// due yet), for operators and tests.
func (o *Outbox) Deferred(ctx context.Context) (int64, error) {
	n, err := o.sum(ctx, func(pipe redis.Pipeliner, ks keyspace.Keyspace) *redis.IntCmd { return pipe.ZCard(ctx, Later(ks)) })
	if err != nil {
		return 0, fmt.Errorf("%w: deferred notifications: %w", alert.ErrStoreUnavailable, err)
	}
	return n, nil
}
