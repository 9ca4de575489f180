package rules

import (
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// pendingSpec is a rule's "wait for recovery": the matching event opens a
// timer keyed by key; an event matching clear with the same key cancels it
// before `for` ends (nobody is paged) or resolves the page it sent.
type pendingSpec struct {
	wait  time.Duration
	clear []*matcher
	key   string // template source, compiled into the rule's dedupKey
	// clearedBy is clear in words, as written: "event room.enter".
	clearedBy string
}

func (c *compiler) pending(path string, r *Rule, where string) *pendingSpec {
	if r.For == 0 && len(r.Clear) == 0 {
		return nil
	}
	s := &pendingSpec{wait: c.duration(path+".for", where, r.For, 0)}
	// A `for` that could not be read was reported where it is written; it
	// is not also missing.
	if s.wait <= 0 && !c.d.failedUnder(path+".for") {
		c.errorf(path+".clear", "%s: clear needs for: how long to wait for the clearing event, e.g. \"30s\"", where)
	}
	if len(r.Clear) == 0 {
		c.errorf(path+".for", "%s: for needs clear: the event that means recovery (e.g. {event: room.enter})", where)
	}
	s.clear = c.matchers(path+".clear", where+": clear", r.Clear)
	var words []string
	for _, m := range s.clear {
		words = append(words, m.key+" "+m.want)
	}
	s.clearedBy = strings.Join(words, ", ")
	return s
}

// clears reports whether e is a clearing event for this rule.
func (s *pendingSpec) clears(e *Facts) bool {
	for _, m := range s.clear {
		if !m.match(e) {
			return false
		}
	}
	return len(s.clear) > 0
}

// clearing returns the rules with for/clear whose clear matches e. Clearing
// is not a match: every such rule is considered, whatever matched before.
func (rs *Ruleset) clearing(e *Facts, out []*compiledRule) []*compiledRule {
	for _, cr := range rs.pendingRules {
		if cr.state.pending.clears(e) {
			out = append(out, cr)
		}
	}
	return out
}

// clearAlert is the request to clear cr's pending alert for e's key. Its
// notification is the clearing event: a resolved page says who recovered.
func (rs *Ruleset) clearAlert(cr *compiledRule, e *Facts) alert.Alert {
	data := TemplateData{Facts: e, Rule: cr.name, Severity: cr.severity, Count: 1}
	if t := cr.state.threshold; t != nil {
		// The member came back: it no longer counts towards the threshold.
		member, _ := memberOf(e)
		return alert.Alert{
			Op:       alert.OpRecover,
			Rule:     cr.name,
			StateKey: renderOr(t.per, rs.defaults.dedupKey, &data),
			EventMs:  eventMs(e),
			Member:   member,
			Within:   t.within,
			For:      cr.state.pending.wait,
			AppWide:  t.appWide,
			// The event names the room, and so where the rule's state lives.
			Notification: alert.Notification{Kind: alert.KindResolved, Rule: cr.name, Event: e.AlertEvent()},
		}
	}
	return alert.Alert{
		Op:           alert.OpClear,
		Rule:         cr.name,
		StateKey:     renderOr(cr.dedupKey, rs.defaults.dedupKey, &data),
		EventMs:      eventMs(e),
		Window:       max(ClearMemory, cr.state.pending.wait),
		Notification: alert.Notification{Kind: alert.KindResolved, Rule: cr.name, Event: e.AlertEvent()},
	}
}

func (rs *Ruleset) pendingAlert(cr *compiledRule, a *alert.Alert, data *TemplateData) {
	a.Op = alert.OpPending
	a.StateKey = renderOr(cr.dedupKey, rs.defaults.dedupKey, data)
	a.For = cr.state.pending.wait
	a.ClearedBy = cr.state.pending.clearedBy
}

func eventMs(e *Facts) int64 {
	if e.Raw.EventMs > 0 {
		return e.Raw.EventMs
	}
	return e.Time.UnixMilli()
}
