package threads

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// FirstSeen records key (its key: "seen:<key>") for ttl and reports whether it was new: SET NX, so
// of two replicas handling the same replayed Slack request only one acts.
func (t *Store) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := t.rdb.SetNX(ctx, t.keys.Key("seen", key), "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("%w: replay check: %w", alert.ErrStoreUnavailable, err)
	}
	return ok, nil
}

// AckTTL is how long an incident's acknowledgement is remembered.
const AckTTL = 7 * 24 * time.Hour

// Acknowledge records (under "ack:<incident>") that user acknowledged incident at at.
func (t *Store) Acknowledge(ctx context.Context, incident, user string, at time.Time) error {
	key := t.keys.Key("ack", incident)
	_, err := t.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "by", user, "at", at.UTC().Format(time.RFC3339))
		p.Expire(ctx, key, AckTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: acknowledge %s: %w", alert.ErrStoreUnavailable, incident, err)
	}
	return nil
}

// Acknowledged returns who acknowledged incident, if anyone did.
func (t *Store) Acknowledged(ctx context.Context, incident string) (user string, at time.Time, ok bool, err error) {
	vals, err := t.rdb.HGetAll(ctx, t.keys.Key("ack", incident)).Result()
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("%w: read ack %s: %w", alert.ErrStoreUnavailable, incident, err)
	}
	if vals["by"] == "" {
		return "", time.Time{}, false, nil
	}
	at, _ = time.Parse(time.RFC3339, vals["at"])
	return vals["by"], at, true, nil
}
