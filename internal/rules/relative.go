package rules

// Relative reports whether some rule's threshold is relative (share): its
// alerts need who is in the room or the app (internal/population) to be
// judged. A replay that keeps no population needs none for a ruleset
// without one.
func (rs *Ruleset) Relative() bool {
	for _, cr := range rs.rules {
		if t := cr.State.Threshold; t != nil && t.Share > 0 {
			return true
		}
	}
	return false
}
