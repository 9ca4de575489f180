package rules

import (
	"time"
)

// GroupSpec batches a rule's alerts by label values (Alertmanager's
// group_by): the first alert of a group waits `wait` for others and they go
// out as one page; later alerts are sent as one update per `interval`.
type GroupSpec struct {
	By       []string
	Wait     time.Duration
	Interval time.Duration
}

func (c *compiler) group(path string, r *Rule, where string) *GroupSpec {
	if len(r.GroupBy) == 0 {
		if r.GroupWait != 0 || r.GroupInterval != 0 {
			c.errorf(path, "%s: group_wait and group_interval need group_by", where)
		}
		return nil
	}
	c.validLabels(path+".group_by", where+": group_by", r.GroupBy)
	return &GroupSpec{
		By:       r.GroupBy,
		Wait:     c.duration(path+".group_wait", where, r.GroupWait, DefaultGroupWait),
		Interval: max(time.Second, c.duration(path+".group_interval", where, r.GroupInterval, DefaultGroupInterval)),
	}
}
