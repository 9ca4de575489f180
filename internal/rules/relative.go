package rules

// Relative reports whether some rule's threshold is relative (share): its
// alerts need who is in the room or the app (internal/population) to be
// judged. A replay that keeps no population needs none for a ruleset
// without one.
func (rs *Ruleset) Relative() bool {
	for _, cr := range rs.rules {
		if t := cr.state.threshold; t != nil && t.share > 0 {
			return true
		}
	}
	return false
}
