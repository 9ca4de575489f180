package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
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

// groupFields are the event fields group_by and inhibit equal may name.
var groupFields = []string{"app", "room", "user", "task", "event", "reason", "scene"}

// labelOf returns the value of a group_by / equal / silence label for e.
func labelOf(e *Facts, name string) string {
	switch name {
	case "event":
		return e.Event.Name
	case "reason":
		return strings.TrimPrefix(e.Reason.Name, "reason.")
	case "room":
		// Numeric room 12345 and string room "12345" are different rooms.
		return e.RoomKey
	}
	return e.stringField(stringFields[name])
}

// stateful is a rule's compiled stateful behaviour; the zero value is a plain rule.
type stateful struct {
	threshold *thresholdSpec
	pending   *pendingSpec
	group     *groupSpec
}

func (s stateful) aggregated() bool { return s.threshold != nil || s.group != nil }

// compileStateful validates a rule's threshold, for/clear and group_by.
func (c *compiler) compileStateful(path string, r *Rule, cr *compiledRule, rs *Ruleset) {
	where := fmt.Sprintf("rule %q", r.Name)
	cr.state.threshold = c.threshold(path, r, where)
	cr.state.pending = c.pending(path, r, where)
	cr.state.group = c.group(path, r, where)
	if t := cr.state.threshold; t != nil && r.Dedup.Key == "" && t.per != nil {
		// One page per crossing for the counted key (the room, by default),
		// whoever's event crossed it: the default key would name that user.
		cr.dedupKey = t.per
	}
	if t := cr.state.threshold; t != nil && t.rearm != nil {
		rs.rearmRules = append(rs.rearmRules, cr)
	}
	if cr.state.threshold != nil && cr.state.pending != nil {
		// A threshold that waits for recovery: it counts who is still away
		// when its wait ends, and a member's clearing event takes them off
		// the count (the room blip that heals itself pages nobody).
		rs.pendingRules = append(rs.pendingRules, cr)
		return
	}
	if cr.state.pending != nil {
		// The opening and the clearing event differ in type, so the key that
		// pairs them must not include it: the rule's own dedup.key, else
		// app/room/user (the file-wide default key names the event type).
		cr.dedupKey = newKeyTemplate(c.template(path+".dedup.key", where, "dedup.key", cmp.Or(r.Dedup.Key, DefaultPendingKey)))
		rs.pendingRules = append(rs.pendingRules, cr)
	}
}

// why is the condition cr's alerts page on, in numbers; nil for a plain rule.
func (s stateful) why() *alert.Why {
	var wait time.Duration
	if s.pending != nil {
		wait = s.pending.wait
	}
	switch {
	case s.threshold != nil:
		return s.threshold.why(wait)
	case s.pending != nil:
		return &alert.Why{For: wait}
	}
	return nil
}

// statefulAlert adds cr's stateful parts to a: which op, the group and the
// inhibition markers.
func (rs *Ruleset) statefulAlert(cr *compiledRule, e *Facts, a *alert.Alert, data *TemplateData) {
	switch {
	case cr.state.threshold != nil:
		rs.thresholdAlert(cr, a, data)
	case cr.state.pending != nil:
		rs.pendingAlert(cr, a, data)
	}
	if cr.state.group != nil {
		a.Group = cr.state.group.ref(cr.name, e, cr.window)
	}
	rs.inhibitions(cr, e, a)
}

// duration checks a stateful duration at path (its key's name is the last
// path element), bounded because Redis TTLs derive from it.
func (c *compiler) duration(path, where string, d Duration, def time.Duration) time.Duration {
	v := time.Duration(d)
	if v == 0 {
		return def
	}
	if v < 0 || v > MaxStateDuration {
		c.errorf(path, "%s: %s %s must be between 0s and %s", where, fieldName(path), v, MaxStateDuration)
	}
	return v
}

// validLabels checks group_by or equal labels at path.
func (c *compiler) validLabels(path, where string, labels []string) {
	for i, l := range labels {
		if !slices.Contains(groupFields, l) {
			c.errorf(fmt.Sprintf("%s[%d]", path, i), "%s: unknown label %q (use %s)%s", where, l, strings.Join(groupFields, ", "), alert.Suggest(l, groupFields))
		}
	}
}
