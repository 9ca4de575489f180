package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
)

// Limits on stateful durations: timers live in Redis with TTLs derived from
// them, so they must stay bounded.
const (
	MaxStateDuration     = 24 * time.Hour
	DefaultGroupWait     = 30 * time.Second
	DefaultGroupInterval = 5 * time.Minute
	// ClearMemory is how long a clearing event is remembered, so that a
	// redelivered (older) opening event arriving after it opens nothing. TRTC
	// gives up redelivering after a minute.
	ClearMemory = 2 * time.Minute
	// DefaultPendingKey identifies "the same user in the same room": the opening
	// event and its clearing event (of another type) must render the same key.
	DefaultPendingKey = `{{.App}}/{{.RoomKey}}/{{.User}}`
)

// Stateful is a rule's compiled stateful behaviour; the zero value is a
// plain rule.
type Stateful struct {
	Threshold *ThresholdSpec
	Pending   *PendingSpec
	Group     *GroupSpec
}

// Aggregated reports whether the rule's page stands for many events.
func (s Stateful) Aggregated() bool { return s.Threshold != nil || s.Group != nil }

// compileStateful validates a rule's threshold, for/clear and group_by.
func (c *compiler) compileStateful(path string, r *Rule, cr *CompiledRule, rs *Ruleset) {
	where := fmt.Sprintf("rule %q", r.Name)
	cr.State.Threshold = c.threshold(path, r, where)
	cr.State.Pending = c.pending(path, r, where)
	cr.State.Group = c.group(path, r, where)
	if t := cr.State.Threshold; t != nil && r.Dedup.Key == "" && t.Per != nil {
		// One page per crossing for the counted key (the room, by default),
		// whoever's event crossed it: the default key would name that user.
		cr.DedupKey = t.Per
	}
	if t := cr.State.Threshold; t != nil && t.Rearm != nil {
		rs.rearmRules = append(rs.rearmRules, cr)
	}
	if cr.State.Threshold != nil && cr.State.Pending != nil {
		// A threshold that waits for recovery: it counts who is still away
		// when its wait ends, and a member's clearing event takes them off
		// the count (the room blip that heals itself pages nobody).
		rs.pendingRules = append(rs.pendingRules, cr)
		return
	}
	if cr.State.Pending != nil {
		// The opening and the clearing event differ in type, so the key that
		// pairs them must not include it: the rule's own dedup.key, else
		// app/room/user (the file-wide default key names the event type).
		cr.DedupKey = match.NewKeyTemplate(c.template(path+".dedup.key", where, "dedup.key", cmp.Or(r.Dedup.Key, DefaultPendingKey)))
		rs.pendingRules = append(rs.pendingRules, cr)
	}
}

// Why is the condition the rule's alerts page on, in numbers; nil for a plain rule.
func (s Stateful) Why() *alert.Why {
	var wait time.Duration
	if s.Pending != nil {
		wait = s.Pending.Wait
	}
	switch {
	case s.Threshold != nil:
		return s.Threshold.why(wait)
	case s.Pending != nil:
		return &alert.Why{For: wait}
	}
	return nil
}

// duration checks a stateful duration at path (its key's name is the last
// path element), bounded because Redis TTLs derive from it.
func (c *compiler) duration(path, where string, d Duration, def time.Duration) time.Duration {
	v := time.Duration(d)
	if v == 0 {
		return def
	}
	if v < 0 || v > MaxStateDuration {
		c.errorf(path, "%s: %s %s must be between 0s and %s", where, yamlpos.FieldName(path), v, MaxStateDuration)
	}
	return v
}

// validLabels checks group_by or equal labels at path.
func (c *compiler) validLabels(path, where string, labels []string) {
	for i, l := range labels {
		if !slices.Contains(match.Labels(), l) {
			c.errorf(fmt.Sprintf("%s[%d]", path, i), "%s: unknown label %q (use %s)%s", where, l, strings.Join(match.Labels(), ", "), alert.Suggest(l, match.Labels()))
		}
	}
}
