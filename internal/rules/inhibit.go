package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
)

// InhibitRule mutes target alerts while a source alert fires, when both agree
// on the equal labels (Alertmanager's inhibit_rules). Source and target match
// like a rule's match, plus `rule` and `severity`.
type InhibitRule struct {
	Source map[string]MatchValue `yaml:"source"`
	Target map[string]MatchValue `yaml:"target"`
	Equal  []string              `yaml:"equal"`
}

// InhibitSpec is an inhibit rule, validated.
type InhibitSpec struct {
	ID             string // stable across reloads that reorder the list
	Source, Target []match.AlertMatcher
	Equal          []string
}

func (c *compiler) inhibits(f *File, rs *Ruleset) {
	names := make([]string, 0, len(f.Rules))
	for _, r := range f.Rules {
		names = append(names, r.Name)
	}
	for i, ir := range f.Inhibit {
		where := fmt.Sprintf("inhibit[%d]", i)
		if len(ir.Source) == 0 || len(ir.Target) == 0 {
			c.errorf(where, "%s: needs both source and target matchers", where)
		}
		if len(ir.Equal) == 0 {
			c.errorf(where, "%s: needs equal labels (e.g. [app, room]); without them one alert would mute every other", where)
		}
		c.validLabels(where+".equal", where+": equal", ir.Equal)
		in := &InhibitSpec{
			ID:     inhibitID(ir),
			Source: c.alertMatchers(where+".source", where+": source", ir.Source, names),
			Target: c.alertMatchers(where+".target", where+": target", ir.Target, names),
			Equal:  ir.Equal,
		}
		c.samePartition(where, in, rs)
		rs.inhibits = append(rs.inhibits, in)
	}
}

// samePartition refuses an inhibit rule between an app-wide threshold and a
// rule counted per room: the marker one sets lives in the app's partition,
// the other reads its room's, and on Redis Cluster no script sees both.
func (c *compiler) samePartition(where string, in *InhibitSpec, rs *Ruleset) {
	appWide := map[string]bool{}
	for _, cr := range rs.rules {
		appWide[cr.Name] = cr.State.Threshold != nil && cr.State.Threshold.AppWide
	}
	named := func(ms []match.AlertMatcher) []string {
		var out []string
		for _, m := range ms {
			if m.Label == "rule" && !m.Negate {
				out = append(out, m.Values...)
			}
		}
		return out
	}
	for _, s := range named(in.Source) {
		for _, t := range named(in.Target) {
			if appWide[s] != appWide[t] {
				wide, room := s, t
				if appWide[t] {
					wide, room = t, s
				}
				c.errorf(where, "%s: rule %q counts app-wide (its threshold.per does not name the room) and rule %q per room: their state lives in different partitions, so one cannot inhibit the other", where, wide, room)
				return
			}
		}
	}
}

func (c *compiler) alertMatchers(path, where string, ms map[string]MatchValue, rules []string) []match.AlertMatcher {
	var out []match.AlertMatcher
	fields := map[string]MatchValue{}
	for _, k := range sortedKeys(ms) {
		v := ms[k]
		if k != "rule" && k != "severity" {
			fields[k] = v
			continue
		}
		vpath := path + "." + k
		am := match.AlertMatcher{Label: k}
		for v.Not != nil {
			am.Negate, v = !am.Negate, *v.Not
		}
		if v.Regex != "" || len(v.Values) == 0 {
			c.errorf(vpath, "%s: %s takes a value or a list", where, k)
		}
		am.Values = v.Values
		for _, val := range v.Values {
			if k == "rule" && !slices.Contains(rules, val) {
				c.errorf(vpath, "%s: unknown rule %q%s", where, val, alert.Suggest(val, rules))
			}
			if k == "severity" && !alert.Severity(val).Valid() {
				c.errorf(vpath, "%s: unknown severity %q (critical, warning, info)", where, val)
			}
		}
		out = append(out, am)
	}
	for _, m := range c.matchers(path, where, fields) {
		out = append(out, match.AlertMatcher{Field: m})
	}
	return out
}

// inhibitID names an inhibit rule by what it says, not where it stands, so
// that markers set before a reload still count after one that reorders the
// list (and an edited rule starts afresh).
func inhibitID(ir InhibitRule) string {
	h := sha256.New()
	for _, side := range []map[string]MatchValue{ir.Source, ir.Target} {
		for _, k := range sortedKeys(side) {
			fmt.Fprintf(h, "%s=%s;", k, side[k])
		}
		h.Write([]byte{'|'})
	}
	fmt.Fprint(h, ir.Equal)
	return hex.EncodeToString(h.Sum(nil))[:12]
}
