package rules

import (
	"strings"
	"time"

	"github.com/hookdev/hook/internal/match"
)

// PendingSpec is a rule's "wait for recovery": the matching event opens a
// timer keyed by key; an event matching clear with the same key cancels it
// before `for` ends (nobody is paged) or resolves the page it sent.
type PendingSpec struct {
	Wait  time.Duration
	Clear []*match.Matcher
	// ClearedBy is Clear in words, as written: "event room.enter".
	ClearedBy string
}

func (c *compiler) pending(path string, r *Rule, where string) *PendingSpec {
	if r.For == 0 && len(r.Clear) == 0 {
		return nil
	}
	s := &PendingSpec{Wait: c.duration(path+".for", where, r.For, 0)}
	// A `for` that could not be read was reported where it is written; it
	// is not also missing.
	if s.Wait <= 0 && !c.d.FailedUnder(path+".for") {
		c.errorf(path+".clear", "%s: clear needs for: how long to wait for the clearing event, e.g. \"30s\"", where)
	}
	if len(r.Clear) == 0 {
		c.errorf(path+".for", "%s: for needs clear: the event that means recovery (e.g. {event: room.enter})", where)
	}
	s.Clear = c.matchers(path+".clear", where+": clear", r.Clear)
	var words []string
	for _, m := range s.Clear {
		words = append(words, m.Key+" "+m.Want)
	}
	s.ClearedBy = strings.Join(words, ", ")
	return s
}
