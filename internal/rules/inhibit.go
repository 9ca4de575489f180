package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/hookdev/hook/internal/alert"
)

// InhibitRule mutes target alerts while a source alert fires, when both agree
// on the equal labels (Alertmanager's inhibit_rules). Source and target match
// like a rule's match, plus `rule` and `severity`.
type InhibitRule struct {
	Source map[string]MatchValue `yaml:"source"`
	Target map[string]MatchValue `yaml:"target"`
	Equal  []string              `yaml:"equal"`
}

type inhibitRule struct {
	id             string // stable across reloads that reorder the list
	source, target []alertMatcher
	equal          []string
}

// alertMatcher matches an alert: its event's fields, its rule or its severity.
type alertMatcher struct {
	field  *matcher // event fields
	label  string   // "rule" or "severity"
	values []string
	negate bool
}

func (m alertMatcher) match(cr *compiledRule, e *Facts) bool {
	if m.field != nil {
		return m.field.match(e)
	}
	v := cr.name
	if m.label == "severity" {
		v = string(cr.severity)
	}
	return slices.Contains(m.values, v) != m.negate
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
		in := &inhibitRule{
			id:     inhibitID(ir),
			source: c.alertMatchers(where+".source", where+": source", ir.Source, names),
			target: c.alertMatchers(where+".target", where+": target", ir.Target, names),
			equal:  ir.Equal,
		}
		c.samePartition(where, in, rs)
		rs.inhibits = append(rs.inhibits, in)
	}
}

// samePartition refuses an inhibit rule between an app-wide threshold and a
// rule counted per room: the marker one sets lives in the app's partition,
// the other reads its room's, and on Redis Cluster no script sees both.
func (c *compiler) samePartition(where string, in *inhibitRule, rs *Ruleset) {
	appWide := map[string]bool{}
	for _, cr := range rs.rules {
		appWide[cr.name] = cr.state.threshold != nil && cr.state.threshold.appWide
	}
	named := func(ms []alertMatcher) []string {
		var out []string
		for _, m := range ms {
			if m.label == "rule" && !m.negate {
				out = append(out, m.values...)
			}
		}
		return out
	}
	for _, s := range named(in.source) {
		for _, t := range named(in.target) {
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

func (c *compiler) alertMatchers(path, where string, ms map[string]MatchValue, rules []string) []alertMatcher {
	var out []alertMatcher
	fields := map[string]MatchValue{}
	for _, k := range sortedKeys(ms) {
		v := ms[k]
		if k != "rule" && k != "severity" {
			fields[k] = v
			continue
		}
		vpath := path + "." + k
		am := alertMatcher{label: k}
		for v.Not != nil {
			am.negate, v = !am.negate, *v.Not
		}
		if v.Regex != "" || len(v.Values) == 0 {
			c.errorf(vpath, "%s: %s takes a value or a list", where, k)
		}
		am.values = v.Values
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
		out = append(out, alertMatcher{field: m})
	}
	return out
}

func matchAll(ms []alertMatcher, cr *compiledRule, e *Facts) bool {
	for _, m := range ms {
		if !m.match(cr, e) {
			return false
		}
	}
	return true
}

// markerKey names the marker shared by a source and its targets: the inhibit
// rule and the values of its equal labels.
func (ir *inhibitRule) markerKey(e *Facts) string {
	var b strings.Builder
	b.WriteString(ir.id)
	for _, l := range ir.equal {
		b.WriteByte('/')
		b.WriteString(labelOf(e, l))
	}
	return b.String()
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

// inhibitions fills f's source markers and target checks for cr's alert on e.
// A source "fires" for the rule's threshold window (so a storm inhibits while
// it lasts), otherwise for its dedup window.
func (rs *Ruleset) inhibitions(cr *compiledRule, e *Facts, f *alert.Alert) {
	for _, ir := range rs.inhibits {
		if matchAll(ir.source, cr, e) {
			hold := cr.window
			if cr.state.threshold != nil {
				hold = cr.state.threshold.within
			}
			f.InhibitSources = append(f.InhibitSources, alert.InhibitMark{Key: ir.markerKey(e), Hold: hold})
		}
		if matchAll(ir.target, cr, e) {
			f.InhibitTargets = append(f.InhibitTargets, ir.markerKey(e))
		}
	}
}
