package engine

import (
	"fmt"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// route is the route cr's alert for e takes; nil for a rule with receivers
// of its own, or when no route matches (its receivers are then
// default_receiver's).
func route(cr *rules.CompiledRule, e *match.Facts) *rules.RouteChoice {
	for i := range cr.Routes {
		rc := &cr.Routes[i]
		if rc.Always || match.MatchAll(rc.Route.Match, cr.Name, cr.Severity, e) {
			return rc
		}
	}
	return nil
}

// receiversFor are the receivers of cr's alert for e: the rule's own, or
// those of the route its pages take, or default_receiver's.
func receiversFor(cr *rules.CompiledRule, e *match.Facts) []alert.Receiver {
	if rc := route(cr, e); rc != nil {
		return rc.Targets
	}
	return cr.Targets
}

// routedBy says, for `hook test`, how a routed rule's receivers were
// picked; "" for a rule with receivers of its own, or when there are no
// routes.
func routedBy(rs *rules.Ruleset, cr *rules.CompiledRule, e *match.Facts) string {
	if !cr.Routed || !rs.HasRoutes() {
		return ""
	}
	if rc := route(cr, e); rc != nil {
		return fmt.Sprintf("routed by %s, %s, to %s", rc.Route, rc.Route.Desc, strings.Join(rc.Route.Receivers, ", "))
	}
	if len(cr.Receivers) == 0 {
		return "no route matched"
	}
	return fmt.Sprintf("no route matched: default_receiver %s", cr.Receivers[0])
}
