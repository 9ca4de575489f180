package rules

import (
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// groupSpec batches a rule's alerts by label values (Alertmanager's
// group_by): the first alert of a group waits `wait` for others and they go
// out as one page; later alerts are sent as one update per `interval`.
type groupSpec struct {
	by       []string
	wait     time.Duration
	interval time.Duration
}

func (c *compiler) group(path string, r *Rule, where string) *groupSpec {
	if len(r.GroupBy) == 0 {
		if r.GroupWait != 0 || r.GroupInterval != 0 {
			c.errorf(path, "%s: group_wait and group_interval need group_by", where)
		}
		return nil
	}
	c.validLabels(path+".group_by", where+": group_by", r.GroupBy)
	return &groupSpec{
		by:       r.GroupBy,
		wait:     c.duration(path+".group_wait", where, r.GroupWait, DefaultGroupWait),
		interval: max(time.Second, c.duration(path+".group_interval", where, r.GroupInterval, DefaultGroupInterval)),
	}
}

func (s *groupSpec) ref(rule string, e *Facts, window time.Duration) *alert.Group {
	var b strings.Builder
	b.WriteString(rule)
	for _, l := range s.by {
		b.WriteByte('/')
		b.WriteString(labelOf(e, l))
	}
	return &alert.Group{ID: b.String(), Wait: s.wait, Interval: s.interval, Hold: max(window, 2*s.interval)}
}

// memberOf names who an alert is about, as aggregated notifications list
// them, and what kind of name it is.
func memberOf(e *Facts) (string, alert.MemberKind) {
	switch {
	case e.User != "":
		return e.User, alert.MembersUsers
	case e.Task != "":
		return e.Task, alert.MembersTasks
	}
	return e.Room, alert.MembersRooms
}
