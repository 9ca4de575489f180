package rules

import (
	"time"
)

// pendingSpec is a rule's "wait for recovery": the matching event opens a
// timer keyed by key; an event matching clear with the same key cancels it
// before `for` ends (nobody is paged) or resolves the page it sent.
type pendingSpec struct {
	wait  time.Duration
	clear []*matcher
	key   string // template source, compiled into the rule's dedupKey
}

func (c *compiler) pending(path string, r *Rule, where string) *pendingSpec {
	if r.For == 0 && len(r.Clear) == 0 {
		return nil
	}
	s := &pendingSpec{wait: c.duration(path+".for", where, r.For, 0)}
	if s.wait <= 0 {
		c.errorf(path+".clear", "%s: clear needs for: how long to wait for the clearing event, e.g. \"30s\"", where)
	}
	if len(r.Clear) == 0 {
		c.errorf(path+".for", "%s: for needs clear: the event that means recovery (e.g. {event: room.enter})", where)
	}
	s.clear = c.matchers(path+".clear", where+": clear", r.Clear)
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
func (rs *Ruleset) clearing(e *Facts) []*compiledRule {
	var out []*compiledRule
	for _, cr := range rs.pendingRules {
		if cr.state.pending.clears(e) {
			out = append(out, cr)
		}
	}
	return out
}

// clearFiring is the request to clear cr's pending alert for e's key.
func (rs *Ruleset) clearFiring(cr *compiledRule, e Facts) Firing {
	data := TemplateData{Facts: e, Rule: cr.name, Severity: cr.severity, Count: 1}
	key := renderOr(cr.dedupKey, rs.defaults.dedupKey, data)
	return Firing{
		Op:       OpClear,
		Rule:     cr.name,
		StateKey: key,
		EventMs:  eventMs(&e),
		Window:   max(ClearMemory, cr.state.pending.wait),
		Text:     "Recovered: " + describe(data),
	}
}

func (rs *Ruleset) pendingFiring(cr *compiledRule, f *Firing, data TemplateData) {
	f.Op = OpPending
	f.StateKey = renderOr(cr.dedupKey, rs.defaults.dedupKey, data)
	f.For = cr.state.pending.wait
}

func eventMs(e *Facts) int64 {
	if e.Raw.EventMs > 0 {
		return e.Raw.EventMs
	}
	return e.Time.UnixMilli()
}
