package state

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// FirstSeen records key for ttl and reports whether it was new: SET NX, so
// of two replicas handling the same replayed Slack request only one acts.
func (s *Redis) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.layout.Global().Seen(key), "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("%w: replay check: %w", ErrUnavailable, err)
	}
	return ok, nil
}

// AckTTL is how long an incident's acknowledgement is remembered.
const AckTTL = 7 * 24 * time.Hour

// Acknowledge records that user acknowledged incident at at.
func (s *Redis) Acknowledge(ctx context.Context, incident, user string, at time.Time) error {
	key := s.layout.Global().Ack(incident)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "by", user, "at", at.UTC().Format(time.RFC3339))
		p.Expire(ctx, key, AckTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: acknowledge %s: %w", ErrUnavailable, incident, err)
	}
	return nil
}

// Acknowledged returns who acknowledged incident, if anyone did.
func (s *Redis) Acknowledged(ctx context.Context, incident string) (user string, at time.Time, ok bool, err error) {
	vals, err := s.rdb.HGetAll(ctx, s.layout.Global().Ack(incident)).Result()
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("%w: read ack %s: %w", ErrUnavailable, incident, err)
	}
	if vals["by"] == "" {
		return "", time.Time{}, false, nil
	}
	at, _ = time.Parse(time.RFC3339, vals["at"])
	return vals["by"], at, true, nil
}
