package store

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

var (
	//go:embed lua/lib.lua
	luaLib string
	//go:embed lua/fire.lua
	luaFire string
	//go:embed lua/tick.lua
	luaTick string
)

// fireScript does everything one callback asks for (dedup claims, threshold
// windows, pending timers, clears, groups, silences, inhibitions, outbox) in
// one atomic step: a crash can never leave state without its notifications or
// notifications without their state, and two replicas can never both page.
var fireScript = redis.NewScript(luaLib + luaFire)

// tickScript fires one due timer; see lua/tick.lua.
var tickScript = redis.NewScript(luaLib + luaTick)

// Bounds the scripts keep to (lua/lib.lua reads them from ARGV).
const (
	// DueTTL bounds the timers index's life without writes.
	DueTTL = 2 * 24 * time.Hour
	// GroupMemberCap is how many distinct members a group remembers; more
	// are counted, not named.
	GroupMemberCap = 500
	// ListedMembers is how many members one notification names.
	ListedMembers = 20
)

// op is one alert as the scripts read it. Durations are milliseconds; K
// names every key the op touches, each also passed in KEYS.
type op struct {
	Op     alert.Op          `json:"op"`
	Rule   string            `json:"rule"`
	K      opKeys            `json:"k"`
	Window int64             `json:"window"`
	Ev     int64             `json:"ev"`
	N      string            `json:"n"` // the notification, encoded once for every receiver
	R      []string          `json:"r"` // the receivers, encoded
	Labels map[string]string `json:"labels,omitempty"`
	Member string            `json:"member"`
	Count  int               `json:"count,omitempty"`
	Within int64             `json:"within,omitempty"`
	Wait   int64             `json:"wait,omitempty"`
	Group  *groupOp          `json:"group,omitempty"`
}

type opKeys struct {
	Dedup  string   `json:"dedup,omitempty"`
	Win    string   `json:"win,omitempty"`
	Pend   string   `json:"pend,omitempty"`
	Clr    string   `json:"clr,omitempty"`
	Grp    string   `json:"grp,omitempty"`
	GrpNew string   `json:"grp_new,omitempty"`
	GrpAll string   `json:"grp_all,omitempty"`
	Src    []markOp `json:"src,omitempty"`
	Tgt    []string `json:"tgt,omitempty"`
}

// list is every key in k, for KEYS.
func (k opKeys) list() []string {
	out := make([]string, 0, 8+len(k.Src)+len(k.Tgt))
	for _, s := range []string{k.Dedup, k.Win, k.Pend, k.Clr, k.Grp, k.GrpNew, k.GrpAll} {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, m := range k.Src {
		out = append(out, m.Key)
	}
	return append(out, k.Tgt...)
}

type groupOp struct {
	ID       string `json:"id"`
	Wait     int64  `json:"wait"`
	Interval int64  `json:"interval"`
	Hold     int64  `json:"hold"`
}

type markOp struct {
	Key  string `json:"key"`
	Hold int64  `json:"hold"`
}

func millis(d time.Duration) int64 { return max(d.Milliseconds(), 1) }

// encode turns a into the op the scripts read, with every key it touches.
func (s *Redis) encode(a alert.Alert) ([]byte, opKeys, error) {
	o := op{
		Op: a.Op, Rule: a.Rule, Window: millis(a.Window), Ev: a.EventMs, Labels: a.Labels,
		Member: a.Member, Count: a.Count, R: make([]string, 0, len(a.Receivers)),
	}
	if o.Op == "" {
		o.Op = alert.OpPage
	}
	switch o.Op {
	case alert.OpPage:
		o.K.Dedup = s.keys.Dedup(a.DedupKey)
	case alert.OpThreshold:
		o.K.Dedup = s.keys.Dedup(a.DedupKey)
		o.K.Win = s.keys.Window(a.Rule, a.StateKey)
		o.Within = millis(a.Within)
		if a.For > 0 {
			// Waiting for recovery: the window holds who is away, and the
			// wait is a pending entry of the same key.
			o.K.Pend = s.keys.Pending(a.Rule, a.StateKey)
			o.Wait = millis(a.For)
		}
	case alert.OpRecover:
		o.K.Win = s.keys.Window(a.Rule, a.StateKey)
		o.Within, o.Wait = millis(a.Within), millis(a.For)
	case alert.OpPending:
		o.K.Pend, o.K.Clr = s.keys.Pending(a.Rule, a.StateKey), s.keys.Cleared(a.Rule, a.StateKey)
		o.Wait = millis(a.For)
	case alert.OpClear:
		o.K.Pend, o.K.Clr = s.keys.Pending(a.Rule, a.StateKey), s.keys.Cleared(a.Rule, a.StateKey)
	default:
		return nil, opKeys{}, fmt.Errorf("alert of rule %s: unknown op %q", a.Rule, a.Op)
	}
	if g := a.Group; g != nil {
		o.Group = &groupOp{ID: g.ID, Wait: max(g.Wait.Milliseconds(), 0), Interval: millis(g.Interval), Hold: millis(g.Hold)}
		o.K.Grp, o.K.GrpNew, o.K.GrpAll = s.keys.Group(g.ID)
	}
	for _, m := range a.InhibitSources {
		o.K.Src = append(o.K.Src, markOp{Key: s.keys.Inhibit(m.Key), Hold: millis(m.Hold)})
	}
	for _, t := range a.InhibitTargets {
		o.K.Tgt = append(o.K.Tgt, s.keys.Inhibit(t))
	}
	n, err := a.Notification.Marshal()
	if err != nil {
		return nil, opKeys{}, err
	}
	o.N = string(n)
	for _, r := range a.Receivers {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, opKeys{}, fmt.Errorf("encode receiver %s: %w", r.Name, err)
		}
		o.R = append(o.R, string(b))
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, opKeys{}, fmt.Errorf("encode alert of rule %s: %w", a.Rule, err)
	}
	return b, o.K, nil
}

// scriptArgs are the arguments every alert script starts with (lua/lib.lua).
func scriptArgs(now time.Time, extra int) []any {
	args := make([]any, 0, 5+extra)
	return append(args, now.UnixMilli(), OutboxTTL.Milliseconds(), DueTTL.Milliseconds(), GroupMemberCap, ListedMembers)
}

// fixedKeys are the keys every alert script may touch, KEYS[1..5].
func (s *Redis) fixedKeys(extra int) []string {
	byID, ends, muted := s.keys.Silences()
	keys := make([]string, 0, 5+extra)
	return append(keys, s.keys.Outbox(), s.keys.Due(), byID, ends, muted)
}

// Fire implements engine.Store: one round trip for all the alerts of one callback.
func (s *Redis) Fire(ctx context.Context, now time.Time, alerts []alert.Alert) ([]alert.Verdict, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	args := scriptArgs(now, len(alerts))
	keys := s.fixedKeys(4 * len(alerts))
	seen := make(map[string]bool, 4*len(alerts))
	for _, a := range alerts {
		b, k, err := s.encode(a)
		if err != nil {
			return nil, err
		}
		args = append(args, b)
		for _, key := range k.list() {
			if !seen[key] {
				seen[key] = true
				keys = append(keys, key)
			}
		}
	}
	res, err := s.runFire(ctx, keys, args)
	if err != nil {
		return nil, err
	}
	if len(res) != len(alerts) {
		return nil, fmt.Errorf("fire: script returned %d results for %d alerts", len(res), len(alerts))
	}
	out := make([]alert.Verdict, len(res))
	for i, r := range res {
		out[i] = verdict(r)
	}
	return out, nil
}

// verdict drops the detail some verdicts carry ("silenced:<id>").
func verdict(s string) alert.Verdict {
	v, _, _ := strings.Cut(s, ":")
	return alert.Verdict(v)
}

// Tick implements engine.Store: fires up to limit timers due at now. It reads
// which timers are due and, for a pending alert, the keys its op names; then
// each timer's script claims it (ZREM) and fires it with exactly those keys.
func (s *Redis) Tick(ctx context.Context, now time.Time, limit int) ([]alert.TickOutcome, error) {
	due, err := s.rdb.ZRangeByScore(ctx, s.keys.Due(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: due timers: %w", ErrUnavailable, err)
	}
	out := make([]alert.TickOutcome, 0, len(due))
	for _, member := range due {
		keys, err := s.timerKeys(ctx, member)
		if err != nil {
			return out, err
		}
		res, err := tickScript.Run(ctx, s.rdb, keys, append(scriptArgs(now, 1), member)...).StringSlice()
		if err != nil && !errors.Is(err, redis.Nil) {
			return out, fmt.Errorf("%w: tick: %w", ErrUnavailable, err)
		}
		if len(res) == 3 && res[2] != "retry" {
			out = append(out, alert.TickOutcome{Rule: res[0], Timer: res[1], Verdict: verdict(res[2])})
		}
	}
	return out, nil
}

// timerKeys are the keys the tick script needs for one due timer.
func (s *Redis) timerKeys(ctx context.Context, member string) ([]string, error) {
	kind, rest, _ := strings.Cut(member, "|")
	keys := s.fixedKeys(8)
	if kind == "g" {
		meta, fresh, all := s.keys.Group(rest)
		return append(keys, meta, fresh, all), nil
	}
	keys = append(keys, rest)
	raw, err := s.rdb.HGet(ctx, rest, "op").Result()
	if errors.Is(err, redis.Nil) {
		return keys, nil // cleared meanwhile: the script drops the timer
	}
	if err != nil {
		return nil, fmt.Errorf("%w: pending alert: %w", ErrUnavailable, err)
	}
	var o op
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return keys, nil // not ours to read: the script drops it as it finds it
	}
	return append(keys, o.K.list()...), nil
}

// NextDue returns when the earliest timer is due, for rehearsals that jump
// the clock from one timer to the next.
func (s *Redis) NextDue(ctx context.Context) (time.Time, bool, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, s.keys.Due(), 0, 0).Result()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w: next due timer: %w", ErrUnavailable, err)
	}
	if len(zs) == 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(int64(zs[0].Score)), true, nil
}
