package rules

import (
	"cmp"
	"fmt"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// Threshold pages when Count matching events occur within a sliding window,
// counted separately per key: "3 timeout exits in the same room within 60s".
type Threshold struct {
	Count  int      `yaml:"count"`
	Within Duration `yaml:"within"`
	// Per is a key template (like dedup.key): events rendering the same key
	// are counted together. Default: per app and room.
	Per string `yaml:"per"`
}

// DefaultThresholdPer counts per room.
const DefaultThresholdPer = `{{.App}}/{{.RoomKey}}`

type thresholdSpec struct {
	count  int
	within time.Duration
	per    *keyTemplate
}

func (c *compiler) threshold(path string, r *Rule, where string) *thresholdSpec {
	t := r.Threshold
	if t == nil {
		return nil
	}
	s := &thresholdSpec{count: t.Count, within: time.Duration(t.Within)}
	if t.Count < 2 {
		c.errorf(path+".threshold.count", "%s: threshold.count must be at least 2 (a count of 1 is a plain rule)", where)
	}
	if s.within <= 0 || s.within > MaxStateDuration {
		c.errorf(path+".threshold.within", "%s: threshold.within must be a duration between 1s and %s, e.g. \"60s\"", where, MaxStateDuration)
	}
	s.per = newKeyTemplate(c.template(path+".threshold.per", where, "threshold.per", cmp.Or(t.Per, DefaultThresholdPer)))
	return s
}

// thresholdAlert fills a for a threshold rule.
func (rs *Ruleset) thresholdAlert(cr *compiledRule, a *alert.Alert, data *TemplateData) {
	s := cr.state.threshold
	a.Op = alert.OpThreshold
	a.StateKey = renderOr(s.per, rs.defaults.dedupKey, data)
	a.Count = s.count
	a.Within = s.within
	if p := cr.state.pending; p != nil {
		a.For = p.wait
	}
}

func (s *thresholdSpec) String() string { return fmt.Sprintf("%d within %s", s.count, s.within) }
