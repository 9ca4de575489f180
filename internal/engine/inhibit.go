package engine

import (
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// markerKey names the marker shared by a source and its targets: the inhibit
// rule and the values of its equal labels.
func markerKey(ir *rules.InhibitSpec, e *match.Facts) string {
	var b strings.Builder
	b.WriteString(ir.ID)
	for _, l := range ir.Equal {
		b.WriteByte('/')
		b.WriteString(match.Label(e, l))
	}
	return b.String()
}

// inhibitions fills f's source markers and target checks for cr's alert on e.
// A source "fires" for the rule's threshold window (so a storm inhibits while
// it lasts), otherwise for its dedup window.
func inhibitions(rs *rules.Ruleset, cr *rules.CompiledRule, e *match.Facts, f *alert.Alert) {
	for _, ir := range rs.Inhibits() {
		if match.MatchAll(ir.Source, cr.Name, cr.Severity, e) {
			hold := cr.Window
			if cr.State.Threshold != nil {
				hold = cr.State.Threshold.Within
			}
			f.InhibitSources = append(f.InhibitSources, alert.InhibitMark{Key: markerKey(ir, e), Hold: hold})
		}
		if match.MatchAll(ir.Target, cr.Name, cr.Severity, e) {
			f.InhibitTargets = append(f.InhibitTargets, markerKey(ir, e))
		}
	}
}
