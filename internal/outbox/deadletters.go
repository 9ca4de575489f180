package outbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// DeadLetters lists up to limit dead letters, oldest first, from every part.
func (o *Outbox) DeadLetters(ctx context.Context, limit int) ([]alert.DeadLetter, error) {
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(o.parts))
	for i, p := range o.parts {
		cmds[i] = pipe.XRangeN(ctx, p.deadLetters(), "-", "+", int64(limit))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: list dead letters: %w", alert.ErrStoreUnavailable, err)
	}
	type entry struct {
		at int64
		dl alert.DeadLetter
	}
	var all []entry
	for i, c := range cmds {
		for _, m := range c.Val() {
			at, _ := streamIDMillis(m.ID)
			all = append(all, entry{at, o.deadLetter(o.parts[i], m)})
		}
	}
	slices.SortStableFunc(all, func(a, b entry) int { return cmp.Compare(a.at, b.at) })
	out := make([]alert.DeadLetter, 0, min(len(all), limit))
	for _, e := range all[:min(len(all), limit)] {
		out = append(out, e.dl)
	}
	return out, nil
}

// deadLetter decodes dead-letter entry m of part p.
func (o *Outbox) deadLetter(p part, m redis.XMessage) alert.DeadLetter {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	dl := alert.DeadLetter{ID: p.id(m.ID), Reason: str("reason"), OutboxID: str("outbox_id")}
	if raw := str("raw"); raw != "" {
		dl.Raw = []byte(raw)
	} else if n, err := o.decode(m.Values); err == nil {
		dl.Notification = n
	} else {
		dl.Raw, _ = json.Marshal(m.Values)
	}
	if ms, err := strconv.ParseInt(str("failed_at"), 10, 64); err == nil {
		dl.FailedAt = time.UnixMilli(ms).UTC()
	}
	return dl
}

// RetryDeadLetter moves dead letter id back to the outbox of its part, its
// max age counting again from now, and returns its new outbox id.
func (o *Outbox) RetryDeadLetter(ctx context.Context, id string, now time.Time) (string, error) {
	p, sid, ok := o.locate(id)
	if !ok {
		return "", fmt.Errorf("%w: %q", alert.ErrDeadLetterNotFound, id)
	}
	msgs, err := o.rdb.XRangeN(ctx, p.deadLetters(), sid, sid, 1).Result()
	if err != nil {
		return "", fmt.Errorf("%w: read dead letter %s: %w", alert.ErrStoreUnavailable, id, err)
	}
	if len(msgs) == 0 {
		return "", fmt.Errorf("%w: %s", alert.ErrDeadLetterNotFound, id)
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
	newID, err := o.scripts.retry.Run(ctx, o.rdb, []string{p.stream(), p.deadLetters()}, sid, page, TTL.Milliseconds()).Text()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("%w: %s", alert.ErrDeadLetterNotFound, id)
	}
	if err != nil {
		return "", fmt.Errorf("%w: retry dead letter %s: %w", alert.ErrStoreUnavailable, id, err)
	}
	return p.id(newID), nil
}

// DropDeadLetter deletes dead letter id for good.
func (o *Outbox) DropDeadLetter(ctx context.Context, id string) error {
	p, sid, ok := o.locate(id)
	if !ok {
		return fmt.Errorf("%w: %q", alert.ErrDeadLetterNotFound, id)
	}
	n, err := o.rdb.XDel(ctx, p.deadLetters(), sid).Result()
	if err != nil {
		return fmt.Errorf("%w: drop dead letter %s: %w", alert.ErrStoreUnavailable, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", alert.ErrDeadLetterNotFound, id)
	}
	return nil
}

// OutboxStats reports the outbox's depth, pending entries, oldest page age
// and the number of dead letters, over every part.
func (o *Outbox) OutboxStats(ctx context.Context, now time.Time) (alert.OutboxStats, error) {
	var st alert.OutboxStats
	var err error
	if st.Depth, err = o.sumLen(ctx, Stream); err != nil {
		return st, fmt.Errorf("%w: outbox stats: %w", alert.ErrStoreUnavailable, err)
	}
	if st.DeadLetters, err = o.sumLen(ctx, DeadLetters); err != nil {
		return st, fmt.Errorf("%w: outbox stats: %w", alert.ErrStoreUnavailable, err)
	}
	oldest, err := o.oldest(ctx)
	if err != nil {
		return st, fmt.Errorf("%w: outbox stats: %w", alert.ErrStoreUnavailable, err)
	}
	if !oldest.IsZero() {
		st.OldestAge = max(now.Sub(oldest), 0)
	}
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.XPendingCmd, len(o.parts))
	for i, p := range o.parts {
		cmds[i] = pipe.XPending(ctx, p.stream(), o.group)
	}
	_, _ = pipe.Exec(ctx) // errors checked per command below
	for _, c := range cmds {
		pending, err := c.Result()
		switch {
		case err == nil:
			st.Pending += pending.Count
		case redis.HasErrorPrefix(err, "NOGROUP") || errors.Is(err, redis.Nil):
			// No dispatcher has read this stream yet: nothing is pending.
		default:
			return st, fmt.Errorf("%w: outbox pending: %w", alert.ErrStoreUnavailable, err)
		}
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

// Drain takes every notification out of the outbox: a rehearsal (hook test
// --sequence) has no dispatcher and shows what would have been sent. Each
// stream's entries keep their order; streams are merged by enqueue time
// (then by partition), which is all the order rooms in different partitions
// have.
func (o *Outbox) Drain(ctx context.Context) ([]alert.Notification, error) {
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(o.parts))
	for i, p := range o.parts {
		cmds[i] = pipe.XRange(ctx, p.stream(), "-", "+")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: read outbox: %w", alert.ErrStoreUnavailable, err)
	}
	streams := make([][]alert.Notification, len(o.parts))
	del := o.rdb.Pipeline()
	for i, c := range cmds {
		msgs := c.Val()
		if len(msgs) == 0 {
			continue
		}
		ids := make([]string, 0, len(msgs))
		for _, m := range msgs {
			ids = append(ids, m.ID)
			n, err := o.decode(m.Values)
			if err != nil {
				return nil, fmt.Errorf("outbox entry %s: %w", o.parts[i].id(m.ID), err)
			}
			streams[i] = append(streams[i], n)
		}
		del.XDel(ctx, o.parts[i].stream(), ids...)
	}
	if del.Len() > 0 {
		if _, err := del.Exec(ctx); err != nil {
			return nil, fmt.Errorf("%w: drain outbox: %w", alert.ErrStoreUnavailable, err)
		}
	}
	return merge(streams), nil
}

// merge interleaves streams, each already in order, by enqueue time; on a
// tie the earlier stream goes first.
func merge(streams [][]alert.Notification) []alert.Notification {
	var out []alert.Notification
	for {
		best := -1
		for i, st := range streams {
			if len(st) > 0 && (best < 0 || st[0].CreatedAt.Before(streams[best][0].CreatedAt)) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, streams[best][0])
		streams[best] = streams[best][1:]
	}
}
