package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
)

// DeadLetters lists up to limit dead letters, oldest first.
func (s *Redis) DeadLetters(ctx context.Context, limit int) ([]notify.DeadLetter, error) {
	msgs, err := s.rdb.XRangeN(ctx, s.DeadLetterKey(), "-", "+", int64(limit)).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: list dead letters: %w", ErrUnavailable, err)
	}
	out := make([]notify.DeadLetter, 0, len(msgs))
	for _, m := range msgs {
		str := func(k string) string { v, _ := m.Values[k].(string); return v }
		dl := notify.DeadLetter{ID: m.ID, Reason: str("reason"), OutboxID: str("outbox_id")}
		if raw := str("raw"); raw != "" {
			dl.Raw = []byte(raw)
		} else if n, err := decodeEntry(m.Values); err == nil {
			dl.Notification = n
		} else {
			dl.Raw, _ = json.Marshal(m.Values)
		}
		if ms, err := strconv.ParseInt(str("failed_at"), 10, 64); err == nil {
			dl.FailedAt = time.UnixMilli(ms).UTC()
		}
		out = append(out, dl)
	}
	return out, nil
}

// retryScript moves a dead letter back to the outbox in one step: the page is
// never in both streams (delivered twice) nor in neither (lost). ARGV[2] is
// the page with retried_at set; it is used only if the dead letter still
// exists, so two operators retrying at once enqueue it once.
var retryScript = redis.NewScript(`
if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then
  return false
end
local id = redis.call('XADD', KEYS[1], '*', 'n', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[1])
return id
`)

// RetryDeadLetter moves dead letter id back to the outbox, its max age
// counting again from now, and returns its new outbox id.
func (s *Redis) RetryDeadLetter(ctx context.Context, id string, now time.Time) (string, error) {
	if !validStreamID(id) {
		return "", fmt.Errorf("%w: %q", notify.ErrDeadLetterNotFound, id)
	}
	msgs, err := s.rdb.XRangeN(ctx, s.DeadLetterKey(), id, id, 1).Result()
	if err != nil {
		return "", fmt.Errorf("%w: read dead letter %s: %w", ErrUnavailable, id, err)
	}
	if len(msgs) == 0 {
		return "", fmt.Errorf("%w: %s", notify.ErrDeadLetterNotFound, id)
	}
	n, err := decodeEntry(msgs[0].Values)
	if err != nil {
		return "", fmt.Errorf("dead letter %s cannot be retried: %w", id, err)
	}
	n.RetriedAt = now.UTC()
	page, err := n.Marshal()
	if err != nil {
		return "", err
	}
	newID, err := retryScript.Run(ctx, s.rdb, []string{s.OutboxKey(), s.DeadLetterKey()}, id, page, OutboxTTL.Milliseconds()).Text()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("%w: %s", notify.ErrDeadLetterNotFound, id)
	}
	if err != nil {
		return "", fmt.Errorf("%w: retry dead letter %s: %w", ErrUnavailable, id, err)
	}
	return newID, nil
}

// DropDeadLetter deletes dead letter id for good.
func (s *Redis) DropDeadLetter(ctx context.Context, id string) error {
	if !validStreamID(id) {
		return fmt.Errorf("%w: %q", notify.ErrDeadLetterNotFound, id)
	}
	n, err := s.rdb.XDel(ctx, s.DeadLetterKey(), id).Result()
	if err != nil {
		return fmt.Errorf("%w: drop dead letter %s: %w", ErrUnavailable, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", notify.ErrDeadLetterNotFound, id)
	}
	return nil
}

// OutboxStats reports the outbox's depth, pending entries, oldest page age
// and the number of dead letters.
func (s *Redis) OutboxStats(ctx context.Context, now time.Time) (notify.OutboxStats, error) {
	var st notify.OutboxStats
	pipe := s.rdb.Pipeline()
	depth := pipe.XLen(ctx, s.OutboxKey())
	oldest := pipe.XRangeN(ctx, s.OutboxKey(), "-", "+", 1)
	dead := pipe.XLen(ctx, s.DeadLetterKey())
	_, _ = pipe.Exec(ctx) // errors checked per command below
	for _, c := range []redis.Cmder{depth, oldest, dead} {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return st, fmt.Errorf("%w: outbox stats: %w", ErrUnavailable, err)
		}
	}
	st.Depth, st.DeadLetters = depth.Val(), dead.Val()
	if msgs := oldest.Val(); len(msgs) > 0 {
		if ms, err := strconv.ParseInt(strings.SplitN(msgs[0].ID, "-", 2)[0], 10, 64); err == nil {
			st.OldestAge = max(now.Sub(time.UnixMilli(ms)), 0)
		}
	}
	pending, err := s.rdb.XPending(ctx, s.OutboxKey(), s.group).Result()
	switch {
	case err == nil:
		st.Pending = pending.Count
	case redis.HasErrorPrefix(err, "NOGROUP") || errors.Is(err, redis.Nil):
		// No dispatcher has read yet: nothing is pending.
	default:
		return st, fmt.Errorf("%w: outbox pending: %w", ErrUnavailable, err)
	}
	return st, nil
}

// validStreamID accepts "ms-seq" ids only, so user input never reaches
// XRANGE/XDEL as "-", "+" or garbage.
func validStreamID(id string) bool {
	ms, seq, ok := strings.Cut(id, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(seq, 10, 64)
	return err1 == nil && err2 == nil
}

// Drain takes every notification out of the outbox, oldest first: a
// rehearsal (hook test --sequence) has no dispatcher and shows what would
// have been sent.
func (s *Redis) Drain(ctx context.Context) ([]alert.Notification, error) {
	msgs, err := s.rdb.XRange(ctx, s.OutboxKey(), "-", "+").Result()
	if err != nil {
		return nil, fmt.Errorf("%w: read outbox: %w", ErrUnavailable, err)
	}
	out := make([]alert.Notification, 0, len(msgs))
	ids := make([]string, 0, len(msgs))
	for _, m := range msgs {
		ids = append(ids, m.ID)
		n, err := decodeEntry(m.Values)
		if err != nil {
			return nil, fmt.Errorf("outbox entry %s: %w", m.ID, err)
		}
		out = append(out, n)
	}
	if len(ids) > 0 {
		if err := s.rdb.XDel(ctx, s.OutboxKey(), ids...).Err(); err != nil {
			return nil, fmt.Errorf("%w: drain outbox: %w", ErrUnavailable, err)
		}
	}
	return out, nil
}
