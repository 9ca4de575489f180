package engine

import (
	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// statefulAlert adds cr's stateful parts to a: which op, the group and the
// inhibition markers.
func statefulAlert(rs *rules.Ruleset, cr *rules.CompiledRule, e *match.Facts, a *alert.Alert, data *match.TemplateData) {
	switch {
	case cr.State.Threshold != nil:
		thresholdAlert(rs, cr, a, data)
	case cr.State.Pending != nil:
		pendingAlert(rs, cr, a, data)
	}
	if cr.State.Group != nil {
		a.Group = groupRef(cr.State.Group, cr.Name, e, cr.Window)
	}
	inhibitions(rs, cr, e, a)
}
