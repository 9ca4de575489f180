package engine

import (
	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// clears reports whether e is a clearing event for this rule.
func clears(s *rules.PendingSpec, e *match.Facts) bool {
	for _, m := range s.Clear {
		if !m.Match(e) {
			return false
		}
	}
	return len(s.Clear) > 0
}

// clearing returns the rules with for/clear whose clear matches e. Clearing
// is not a match: every such rule is considered, whatever matched before.
func clearing(rs *rules.Ruleset, e *match.Facts, out []*rules.CompiledRule) []*rules.CompiledRule {
	for _, cr := range rs.PendingRules() {
		if clears(cr.State.Pending, e) {
			out = append(out, cr)
		}
	}
	return out
}

// clearAlert is the request to clear cr's pending alert for e's key. Its
// notification is the clearing event: a resolved page says who recovered.
func clearAlert(rs *rules.Ruleset, cr *rules.CompiledRule, e *match.Facts) alert.Alert {
	data := match.TemplateData{Facts: e, Rule: cr.Name, Severity: cr.Severity, Count: 1}
	if t := cr.State.Threshold; t != nil {
		// The member came back: it no longer counts towards the threshold.
		member, _ := memberOf(e)
		return alert.Alert{
			Op:       alert.OpRecover,
			Rule:     cr.Name,
			StateKey: match.RenderOr(t.Per, rs.DefaultKey(), &data),
			EventMs:  eventMs(e),
			Member:   member,
			Within:   t.Within,
			For:      cr.State.Pending.Wait,
			AppWide:  t.AppWide,
			// The event names the room, and so where the rule's state lives.
			Notification: alert.Notification{Kind: alert.KindResolved, Rule: cr.Name, Event: e.PageEvent()},
		}
	}
	return alert.Alert{
		Op:           alert.OpClear,
		Rule:         cr.Name,
		StateKey:     match.RenderOr(cr.DedupKey, rs.DefaultKey(), &data),
		EventMs:      eventMs(e),
		Window:       max(rules.ClearMemory, cr.State.Pending.Wait),
		Notification: alert.Notification{Kind: alert.KindResolved, Rule: cr.Name, Event: e.PageEvent()},
	}
}

// pendingAlert fills a for a rule with for/clear: the pending alert its
// clearing event cancels, keyed as the clearing event renders it.
func pendingAlert(rs *rules.Ruleset, cr *rules.CompiledRule, a *alert.Alert, data *match.TemplateData) {
	a.Op = alert.OpPending
	a.StateKey = match.RenderOr(cr.DedupKey, rs.DefaultKey(), data)
	a.For = cr.State.Pending.Wait
	a.ClearedBy = cr.State.Pending.ClearedBy
}

// eventMs is when e happened, in Unix milliseconds: as TRTC says, else as
// its facts were timed.
func eventMs(e *match.Facts) int64 {
	if e.Raw.EventMs > 0 {
		return e.Raw.EventMs
	}
	return e.Time.UnixMilli()
}
