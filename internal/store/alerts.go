package store

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/rules"
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
// one atomic step: a crash can never leave state without its pages or pages
// without their state, and two replicas can never both page.
var fireScript = redis.NewScript(luaLib + luaFire)

// tickScript fires due timers; see lua/tick.lua.
var tickScript = redis.NewScript(luaLib + luaTick)

// fireOp is one firing as fire.lua reads it. Durations are milliseconds.
type fireOp struct {
	Op     rules.Op          `json:"op"`
	Rule   string            `json:"rule"`
	Key    string            `json:"key,omitempty"`
	Dedup  string            `json:"dedup,omitempty"`
	Window int64             `json:"window"`
	Ev     int64             `json:"ev"`
	Pages  []string          `json:"pages,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	Member string            `json:"member"`
	Label  string            `json:"label"`
	Count  int               `json:"count,omitempty"`
	Within int64             `json:"within,omitempty"`
	Wait   int64             `json:"wait,omitempty"`
	Text   string            `json:"text,omitempty"`
	Group  *groupOp          `json:"group,omitempty"`
	Src    []markOp          `json:"src,omitempty"`
	Tgt    []string          `json:"tgt,omitempty"`
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

func encodeOp(f rules.Firing) ([]byte, error) {
	op := fireOp{
		Op: f.Op, Rule: f.Rule, Key: f.StateKey, Dedup: f.DedupKey, Window: millis(f.Window), Ev: f.EventMs,
		Labels: f.Labels, Member: f.Member, Label: f.MemberLabel, Count: f.Count, Text: f.Text, Tgt: f.InhibitTargets,
	}
	if op.Op == "" {
		op.Op = rules.OpPage
	}
	if op.Label == "" {
		op.Label = "Alerts"
	}
	if f.Within > 0 {
		op.Within = millis(f.Within)
	}
	if f.For > 0 {
		op.Wait = millis(f.For)
	}
	for _, p := range f.Pages {
		op.Pages = append(op.Pages, string(p))
	}
	if g := f.Group; g != nil {
		op.Group = &groupOp{ID: g.ID, Wait: max(g.Wait.Milliseconds(), 0), Interval: millis(g.Interval), Hold: millis(g.Hold)}
	}
	for _, m := range f.InhibitSources {
		op.Src = append(op.Src, markOp{Key: m.Key, Hold: millis(m.Hold)})
	}
	b, err := json.Marshal(op)
	if err != nil {
		return nil, fmt.Errorf("encode firing of rule %s: %w", f.Rule, err)
	}
	return b, nil
}

// scriptArgs are the arguments every alert script starts with (lua/lib.lua).
func (s *Redis) scriptArgs(now time.Time, extra int) []any {
	args := make([]any, 0, 3+extra)
	return append(args, "{"+s.prefix+"}", now.UnixMilli(), now.UTC().Format(time.RFC3339Nano))
}

// scriptKeys are the fixed keys the scripts touch, declared for Redis
// Cluster; per-rule keys are derived inside the scripts under the same hash tag.
func (s *Redis) scriptKeys() []string {
	return []string{s.OutboxKey(), s.key("due"), s.key("silences"), s.key("silences", "ends")}
}

// Fire implements rules.Store: one round trip for all the firings of one callback.
func (s *Redis) Fire(ctx context.Context, now time.Time, fs []rules.Firing) ([]rules.Verdict, error) {
	if len(fs) == 0 {
		return nil, nil
	}
	args := s.scriptArgs(now, len(fs))
	for _, f := range fs {
		b, err := encodeOp(f)
		if err != nil {
			return nil, err
		}
		args = append(args, b)
	}
	res, err := fireScript.Run(ctx, s.rdb, s.scriptKeys(), args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("%w: fire: %w", ErrUnavailable, err)
	}
	if len(res) != len(fs) {
		return nil, fmt.Errorf("fire: script returned %d results for %d firings", len(res), len(fs))
	}
	out := make([]rules.Verdict, len(res))
	for i, r := range res {
		out[i] = verdict(r)
	}
	return out, nil
}

// verdict drops the detail some verdicts carry ("silenced:<id>").
func verdict(s string) rules.Verdict {
	v, _, _ := strings.Cut(s, ":")
	return rules.Verdict(v)
}

// Tick implements rules.Store: fires up to limit timers due at now.
func (s *Redis) Tick(ctx context.Context, now time.Time, limit int) ([]rules.TickOutcome, error) {
	args := append(s.scriptArgs(now, 1), limit)
	res, err := tickScript.Run(ctx, s.rdb, s.scriptKeys(), args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("%w: tick: %w", ErrUnavailable, err)
	}
	out := make([]rules.TickOutcome, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		out = append(out, rules.TickOutcome{Rule: res[i], Timer: res[i+1], Verdict: verdict(res[i+2])})
	}
	return out, nil
}

// NextDue returns when the earliest timer is due, for rehearsals that jump
// the clock from one timer to the next.
func (s *Redis) NextDue(ctx context.Context) (time.Time, bool, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, s.key("due"), 0, 0).Result()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w: next due timer: %w", ErrUnavailable, err)
	}
	if len(zs) == 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(int64(zs[0].Score)), true, nil
}
