package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// Pending implements notify.PendingReader: the entries consumer read and never
// acknowledged, oldest first within each stream, with their pages
// (XREADGROUP from id 0), up to count in all.
func (o *Outbox) Pending(ctx context.Context, consumer string, count int) ([]alert.Delivery, error) {
	var out []alert.Delivery
	for _, p := range o.parts {
		if len(out) >= count {
			break
		}
		var streams []redis.XStream
		err := o.withGroup(ctx, p, func() (err error) {
			streams, err = o.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
				Group:    o.group,
				Consumer: consumer,
				Streams:  []string{p.stream(), "0"},
				Count:    int64(count - len(out)),
				Block:    -1,
			}).Result()
			return err
		})
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("%w: read pending outbox entries: %w", alert.ErrStoreUnavailable, err)
		}
		for _, st := range streams {
			for _, m := range st.Messages {
				// An entry deleted from the stream but still pending has no
				// fields; there is nothing left to deliver.
				if len(m.Values) > 0 {
					out = append(out, o.deliveries(p, []redis.XMessage{m})...)
				}
			}
		}
	}
	return out, nil
}

// OldestAge reports how long the oldest page in the outbox has waited, from
// its stream id (the enqueue time in ms); 0 when the outbox is empty.
func (o *Outbox) OldestAge(ctx context.Context, now time.Time) (time.Duration, error) {
	oldest, err := o.oldest(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: outbox oldest entry: %w", alert.ErrStoreUnavailable, err)
	}
	if oldest.IsZero() {
		return 0, nil
	}
	return max(now.Sub(oldest), 0), nil
}

// oldest is when the oldest entry of any outbox stream was added (zero when
// all are empty), read in one pipeline.
func (o *Outbox) oldest(ctx context.Context) (time.Time, error) {
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(o.parts))
	for i, p := range o.parts {
		cmds[i] = pipe.XRangeN(ctx, p.stream(), "-", "+", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return time.Time{}, err
	}
	var oldest time.Time
	for _, c := range cmds {
		msgs := c.Val()
		if len(msgs) == 0 {
			continue
		}
		ms, ok := streamIDMillis(msgs[0].ID)
		if !ok {
			return time.Time{}, fmt.Errorf("outbox entry id %q is not a stream id", msgs[0].ID)
		}
		if t := time.UnixMilli(ms); oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return oldest, nil
}

func streamIDMillis(id string) (int64, bool) {
	var ms, seq int64
	if _, err := fmt.Sscanf(id, "%d-%d", &ms, &seq); err != nil {
		return 0, false
	}
	return ms, true
}
