package rules

import (
	"strings"
	"time"
)

// groupSpec batches a rule's alerts by label values (Alertmanager's
// group_by): the first alert of a group waits `wait` for others and they go
// out as one page; later alerts are sent as one update per `interval`.
type groupSpec struct {
	by       []string
	wait     time.Duration
	interval time.Duration
}

// GroupRef tells the store which group an alert joins and its timing.
type GroupRef struct {
	ID       string        // rule and label values: one group per distinct value set
	Wait     time.Duration // first alert -> first page
	Interval time.Duration // between update pages
	Hold     time.Duration // a group idle this long is forgotten; the next alert starts a new one
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

func (s *groupSpec) ref(rule string, e *Facts, window time.Duration) *GroupRef {
	var b strings.Builder
	b.WriteString(rule)
	for _, l := range s.by {
		b.WriteByte('/')
		b.WriteString(labelOf(e, l))
	}
	return &GroupRef{ID: b.String(), Wait: s.wait, Interval: s.interval, Hold: max(window, 2*s.interval)}
}

// memberOf names who an alert is about, as listed on grouped and threshold
// pages, and the label of that list.
func memberOf(e *Facts) (name, label string) {
	switch {
	case e.User != "":
		return e.User, "Users"
	case e.Task != "":
		return e.Task, "Tasks"
	}
	return e.Room, "Rooms"
}
