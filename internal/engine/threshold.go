package engine

import (
	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// thresholdAlert fills a for a threshold rule.
func thresholdAlert(rs *rules.Ruleset, cr *rules.CompiledRule, a *alert.Alert, data *match.TemplateData) {
	s := cr.State.Threshold
	a.Op = alert.OpThreshold
	a.StateKey = match.RenderOr(s.Per, rs.DefaultKey(), data)
	a.Count = s.Count
	a.Within = s.Within
	a.Share, a.Of = int(s.Share), s.Of
	a.AppWide = s.AppWide
	a.Rearm = s.Rearm != nil
	if p := cr.State.Pending; p != nil {
		a.For = p.Wait
	}
}

// rearms reports whether e re-arms this threshold's keys.
func rearms(s *rules.ThresholdSpec, e *match.Facts) bool {
	for _, m := range s.Rearm {
		if !m.Match(e) {
			return false
		}
	}
	return len(s.Rearm) > 0
}

// rearming returns the threshold rules whose rearm matches e; like
// clearing, it is not a match, and every such rule is considered.
func rearming(rs *rules.Ruleset, e *match.Facts, out []*rules.CompiledRule) []*rules.CompiledRule {
	for _, cr := range rs.RearmRules() {
		if rearms(cr.State.Threshold, e) {
			out = append(out, cr)
		}
	}
	return out
}

// rearmAlert is the request to count cr's key for e again. Its notification
// only carries the event, which says where the rule's state lives.
func rearmAlert(rs *rules.Ruleset, cr *rules.CompiledRule, e *match.Facts) alert.Alert {
	t := cr.State.Threshold
	data := match.TemplateData{Facts: e, Rule: cr.Name, Severity: cr.Severity, Count: 1}
	return alert.Alert{
		Op:           alert.OpRearm,
		Rule:         cr.Name,
		StateKey:     match.RenderOr(t.Per, rs.DefaultKey(), &data),
		EventMs:      eventMs(e),
		Within:       t.Within,
		AppWide:      t.AppWide,
		Notification: alert.Notification{Kind: alert.KindResolved, Rule: cr.Name, Event: e.PageEvent()},
	}
}
