package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// Tick implements engine.Store: fires up to limit timers due at now. Each
// part has its own timers (a zset of due times in its slot); Tick reads which
// are due in every part in one pipeline, shares limit among them in turn,
// and fires each part's concurrently: for a pending alert it reads the keys
// its op names, then each timer's script claims it (ZREM) and fires it with
// exactly those keys, so any number of replicas may tick and each timer
// fires once.
func (s *Redis) Tick(ctx context.Context, now time.Time, limit int) ([]alert.TickOutcome, error) {
	return s.TickApps(ctx, now, limit, nil)
}

// TickApps is Tick for timers that may need each app's present users now:
// a threshold relative to its app's users judges its share when its wait
// ends, with present(app) (engine.AppTicker). With nil present it judges
// with the app's users as the engine knew them when the wait opened.
func (s *Redis) TickApps(ctx context.Context, now time.Time, limit int, present func(app string) int) ([]alert.TickOutcome, error) {
	due, err := s.due(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	results := make([][]alert.TickOutcome, len(s.parts))
	errs := make([]error, len(s.parts))
	var wg sync.WaitGroup
	for i, members := range due {
		if len(members) == 0 {
			continue
		}
		wg.Go(func() { results[i], errs[i] = s.tickPart(ctx, s.parts[i], now, members, present) })
	}
	wg.Wait()
	var out []alert.TickOutcome
	for _, r := range results {
		out = append(out, r...)
	}
	return out, errors.Join(errs...)
}

// due lists each part's due timers, at most limit in all, taken from the
// parts in turn so a busy one cannot starve the others.
func (s *Redis) due(ctx context.Context, now time.Time, limit int) ([][]string, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringSliceCmd, len(s.parts))
	for i, p := range s.parts {
		cmds[i] = pipe.ZRangeByScore(ctx, p.due(), &redis.ZRangeBy{
			Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
		})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: due timers: %w", alert.ErrStoreUnavailable, err)
	}
	found := make([][]string, len(s.parts))
	for i, c := range cmds {
		found[i] = c.Val()
	}
	taken := make([][]string, len(s.parts))
	for n, round := 0, 0; n < limit; round++ {
		more := false
		for i := range found {
			if round < len(found[i]) && n < limit {
				taken[i] = append(taken[i], found[i][round])
				n++
				more = true
			}
		}
		if !more {
			break
		}
	}
	return taken, nil
}

// tickPart fires the due timers members of part p, one script each.
func (s *Redis) tickPart(ctx context.Context, p part, now time.Time, members []string, present func(string) int) ([]alert.TickOutcome, error) {
	out := make([]alert.TickOutcome, 0, len(members))
	for _, member := range members {
		keys, app, err := s.timerKeys(ctx, &p, member)
		if err != nil {
			return out, err
		}
		kind, subject := parseTimer(member)
		args := append(scriptArgs(now, 4), member, kind, subject)
		if app != "" && present != nil {
			args = append(args, present(app))
		}
		res, err := tickScript.Run(ctx, s.rdb, keys, args...).StringSlice()
		if err != nil && !errors.Is(err, redis.Nil) {
			return out, fmt.Errorf("%w: tick: %w", alert.ErrStoreUnavailable, err)
		}
		if len(res) == 3 && res[2] != "retry" {
			out = append(out, alert.TickOutcome{Rule: res[0], Timer: res[1], Verdict: verdict(res[2])})
		}
	}
	return out, nil
}

// timerKeys are the keys the tick script needs for one due timer of p,
// and the app whose present users it needs ("" for none).
func (s *Redis) timerKeys(ctx context.Context, p *part, member string) ([]string, string, error) {
	kind, rest := parseTimer(member)
	keys := append(make([]string, 0, 5+8), p.fixed[:]...)
	if kind == timerGroup {
		meta, fresh, all := groupKeys(p.keys, rest)
		return append(keys, meta, fresh, all), "", nil
	}
	keys = append(keys, rest)
	raw, err := s.rdb.HGet(ctx, rest, "op").Result()
	if errors.Is(err, redis.Nil) {
		return keys, "", nil // cleared meanwhile: the script drops the timer
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: pending alert: %w", alert.ErrStoreUnavailable, err)
	}
	var o op
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return keys, "", nil // not ours to read: the script drops it as it finds it
	}
	app := ""
	if o.Share > 0 && o.K.Pop == "" {
		app = o.App
	}
	return append(o.K.appendTo(keys), olderDropped(raw)...), app, nil
}

// olderDropped is the key a wait opened by an older hook kept every member
// counted in (its op's k.drop, a sorted set; this hook's is k.drops, a
// hash), which the tick script reads as that hook did.
func olderDropped(raw string) []string {
	var o struct {
		K struct {
			Drop string `json:"drop"`
		} `json:"k"`
	}
	if !strings.Contains(raw, `"drop":`) || json.Unmarshal([]byte(raw), &o) != nil || o.K.Drop == "" {
		return nil
	}
	return []string{o.K.Drop}
}

// NextDue returns when the earliest timer of any part is due, for rehearsals
// that jump the clock from one timer to the next.
func (s *Redis) NextDue(ctx context.Context) (time.Time, bool, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, len(s.parts))
	for i, p := range s.parts {
		cmds[i] = pipe.ZRangeWithScores(ctx, p.due(), 0, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return time.Time{}, false, fmt.Errorf("%w: next due timer: %w", alert.ErrStoreUnavailable, err)
	}
	var next time.Time
	found := false
	for _, c := range cmds {
		if zs := c.Val(); len(zs) > 0 {
			if t := time.UnixMilli(int64(zs[0].Score)); !found || t.Before(next) {
				next, found = t, true
			}
		}
	}
	return next, found, nil
}

// A timer is a member of a part's due set, scored by when it is due: its
// kind's prefix, then its subject. Go owns the format: the scripts are
// handed the prefixes (lua/lib.lua) and only join one to a subject they
// hold, and the tick script is handed the timer already parsed.
const (
	timerPending = "p|" // a for: alert's wait; subject: its pending key
	timerWait    = "w|" // a threshold's wait for recovery; subject: its pending key
	timerGroup   = "g|" // a group's next flush; subject: the group's id
)

// timerMember is the timer of kind (a prefix above) about subject.
func timerMember(kind, subject string) string { return kind + subject }

// parseTimer splits a timer into its kind's prefix and its subject; kind is
// "" for a member that has none.
func parseTimer(member string) (kind, subject string) {
	k, subject, ok := strings.Cut(member, "|")
	if !ok {
		return "", member
	}
	return k + "|", subject
}
