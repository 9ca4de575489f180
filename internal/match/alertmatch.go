package match

import (
	"slices"

	"github.com/hookdev/hook/internal/alert"
)

// AlertMatcher matches an alert: its event's fields, its rule or its
// severity (inhibit's source and target, a route's match).
type AlertMatcher struct {
	Field  *Matcher // event fields
	Label  string   // "rule" or "severity"
	Values []string
	Negate bool
}

// Match reports whether the alert of rule, at sev, for e passes m. e may
// be nil for a matcher on rule or severity.
func (m AlertMatcher) Match(rule string, sev alert.Severity, e *Facts) bool {
	if m.Field != nil {
		return m.Field.Match(e)
	}
	v := rule
	if m.Label == "severity" {
		v = string(sev)
	}
	return slices.Contains(m.Values, v) != m.Negate
}

// MatchAll reports whether the alert passes every one of ms.
func MatchAll(ms []AlertMatcher, rule string, sev alert.Severity, e *Facts) bool {
	for _, m := range ms {
		if !m.Match(rule, sev, e) {
			return false
		}
	}
	return true
}
