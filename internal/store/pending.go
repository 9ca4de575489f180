package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/notify"
)

// Pending implements notify.PendingReader: the entries consumer read and never
// acknowledged, oldest first, with their pages (XREADGROUP from id 0).
func (s *Redis) Pending(ctx context.Context, consumer string, count int) ([]notify.Delivery, error) {
	var streams []redis.XStream
	err := s.withGroup(ctx, func() (err error) {
		streams, err = s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    s.group,
			Consumer: consumer,
			Streams:  []string{s.OutboxKey(), "0"},
			Count:    int64(count),
		}).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read pending outbox entries: %w", ErrUnavailable, err)
	}
	var out []notify.Delivery
	for _, st := range streams {
		for _, m := range st.Messages {
			// An entry deleted from the stream but still pending has no
			// fields; there is nothing left to deliver.
			if len(m.Values) > 0 {
				out = append(out, deliveries([]redis.XMessage{m})...)
			}
		}
	}
	return out, nil
}

// OldestAge reports how long the oldest page in the outbox has waited, from
// its stream id (the enqueue time in ms); 0 when the outbox is empty.
func (s *Redis) OldestAge(ctx context.Context, now time.Time) (time.Duration, error) {
	msgs, err := s.rdb.XRangeN(ctx, s.OutboxKey(), "-", "+", 1).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: outbox oldest entry: %w", ErrUnavailable, err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	ms, ok := streamIDMillis(msgs[0].ID)
	if !ok {
		return 0, fmt.Errorf("outbox entry id %q is not a stream id", msgs[0].ID)
	}
	return max(now.Sub(time.UnixMilli(ms)), 0), nil
}

func streamIDMillis(id string) (int64, bool) {
	var ms, seq int64
	if _, err := fmt.Sscanf(id, "%d-%d", &ms, &seq); err != nil {
		return 0, false
	}
	return ms, true
}
