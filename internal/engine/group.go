package engine

import (
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// groupRef is the group of rule's alert for e: the values of its group_by
// labels; the group is held for the longer of the rule's dedup window and
// two intervals.
func groupRef(s *rules.GroupSpec, rule string, e *match.Facts, window time.Duration) *alert.Group {
	var b strings.Builder
	b.WriteString(rule)
	for _, l := range s.By {
		b.WriteByte('/')
		b.WriteString(match.Label(e, l))
	}
	return &alert.Group{ID: b.String(), Wait: s.Wait, Interval: s.Interval, Hold: max(window, 2*s.Interval)}
}

// memberOf names who an alert is about, as aggregated notifications list
// them, and what kind of name it is.
func memberOf(e *match.Facts) (string, alert.MemberKind) {
	switch {
	case e.User != "":
		return e.User, alert.MembersUsers
	case e.Task != "":
		return e.Task, alert.MembersTasks
	}
	return e.Room, alert.MembersRooms
}
