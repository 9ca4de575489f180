package rules

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	tparse "text/template/parse"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/alert"
)

// Threshold pages when Count matching events occur within a sliding window,
// counted separately per key: "3 timeout exits in the same room within 60s".
// With Share it is relative: it also needs that share of the room's (or the
// app's) users, counting each member once, and Count is its floor.
type Threshold struct {
	Count int `yaml:"count"`
	// Share is a percentage of the population Of names ("50%").
	Share Share `yaml:"share"`
	// Of is whose users Share is of: "room" (the default) or "app".
	Of     string   `yaml:"of"`
	Within Duration `yaml:"within"`
	// Per is a key template (like dedup.key): events rendering the same key
	// are counted together. Default: per app and room.
	Per string `yaml:"per"`
	// Rearm is a match like clear: once an event is counted for a key, more
	// events for that key are not counted until one matching Rearm renders
	// the same key (one relay RECOVERING episode counts once, however often
	// TRTC repeats it).
	Rearm map[string]MatchValue `yaml:"rearm"`
}

// DefaultThresholdPer counts per room.
const DefaultThresholdPer = `{{.App}}/{{.RoomKey}}`

// Whose users a relative threshold's share is of.
const (
	OfRoom = alert.OfRoom
	OfApp  = alert.OfApp
)

// Share is a percentage written "50%" (1% to 100%, at most two decimals),
// held in basis points (5000): the scripts compute ceil(share x N) in
// integers, where 30% of 10 is 3, not 3.0000000000000004.
type Share int

// MaxShare is 100%, in basis points.
const MaxShare = 10000

var shareRE = regexp.MustCompile(`^(\d{1,3})(?:\.(\d{1,2}))?%$`)

func (s *Share) decodeNode(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a percentage like \"50%%\", got %s", describeNode(n))
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		// 0.5 and 50 both mean 50% to someone: say which is written how.
		f, err := strconv.ParseFloat(n.Value, 64)
		if err == nil && f > 0 && f <= 1 && n.Tag == "!!float" {
			f *= 100
		}
		hint := `"50%"`
		if err == nil && f >= 1 && f <= 100 {
			hint = strconv.Quote(strconv.FormatFloat(f, 'f', -1, 64) + "%")
		}
		return fmt.Errorf("a bare number is not a share: write it as a percentage, e.g. %s", hint)
	}
	m := shareRE.FindStringSubmatch(strings.TrimSpace(n.Value))
	if m == nil {
		return fmt.Errorf("expected a percentage like \"50%%\", got %s", describeNode(n))
	}
	whole, _ := strconv.Atoi(m[1])
	frac, _ := strconv.Atoi((m[2] + "00")[:2])
	v := whole*100 + frac
	if v < 100 || v > MaxShare {
		return fmt.Errorf("%s is not between 1%% and 100%%", n.Value)
	}
	*s = Share(v)
	return nil
}

// String writes the share as it is written in the rules file.
func (s Share) String() string {
	if s%100 == 0 {
		return strconv.Itoa(int(s)/100) + "%"
	}
	return strconv.FormatFloat(float64(s)/100, 'f', -1, 64) + "%"
}

type thresholdSpec struct {
	count  int
	within time.Duration
	per    *keyTemplate
	share  Share  // 0: absolute
	of     string // with share: OfRoom or OfApp
	// appWide is set when per does not name the room: the app's events are
	// counted together, so the state lives in the app's partition.
	appWide bool
	rearm   []*matcher
}

func (c *compiler) threshold(path string, r *Rule, where string) *thresholdSpec {
	t := r.Threshold
	if t == nil {
		return nil
	}
	tpath := path + ".threshold"
	s := &thresholdSpec{count: t.Count, within: time.Duration(t.Within), share: t.Share}
	if t.Count < 2 {
		c.errorf(tpath+".count", "%s: threshold.count must be at least 2 (a count of 1 is a plain rule)", where)
	}
	if s.within <= 0 || s.within > MaxStateDuration {
		c.errorf(tpath+".within", "%s: threshold.within must be a duration between 1s and %s, e.g. \"60s\"", where, MaxStateDuration)
	}
	per := c.template(tpath+".per", where, "threshold.per", cmp.Or(t.Per, DefaultThresholdPer))
	s.per = newKeyTemplate(per)
	s.appWide = per != nil && !namesRoom(per)
	switch {
	case t.Of != "" && t.Share == 0 && !c.d.failedUnder(tpath+".share"):
		c.errorf(tpath+".of", "%s: threshold.of needs threshold.share: of says whose users the share is of", where)
	case t.Of != "" && t.Of != OfRoom && t.Of != OfApp:
		c.errorf(tpath+".of", "%s: threshold.of %q: use room or app%s", where, t.Of, alert.Suggest(t.Of, []string{OfRoom, OfApp}))
	}
	if s.share > 0 {
		s.of = cmp.Or(t.Of, OfRoom)
		if s.of == OfRoom && s.appWide {
			// The room's population lives in the room's partition, the
			// count of an app-wide key in the app's: no script sees both.
			c.errorf(tpath+".per", "%s: a share of the room needs threshold.per to name the room ({{.Room}} or {{.RoomKey}}); for a share of the app's users write of: app", where)
		}
	}
	if t.Rearm != nil {
		if len(t.Rearm) == 0 {
			c.errorf(tpath+".rearm", "%s: threshold.rearm needs at least one field to match, e.g. {relay_status: running}", where)
		}
		s.rearm = c.matchers(tpath+".rearm", where+": threshold.rearm", t.Rearm)
	}
	return s
}

// namesRoom reports whether a key template names the room anywhere
// ({{.Room}}, {{.RoomKey}}, or a path through them): then the key is
// about one room. Any other key may gather events of every room of an app.
func namesRoom(t *template.Template) bool {
	found := false
	var walk func(n tparse.Node)
	idents := func(ids []string) {
		for _, id := range ids {
			if id == "Room" || id == "RoomKey" || id == "RoomID" {
				found = true
			}
		}
	}
	walk = func(n tparse.Node) {
		if n == nil || found {
			return
		}
		switch n := n.(type) {
		case *tparse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *tparse.ActionNode:
			walk(n.Pipe)
		case *tparse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *tparse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *tparse.FieldNode:
			idents(n.Ident)
		case *tparse.VariableNode:
			idents(n.Ident)
		case *tparse.ChainNode:
			idents(n.Field)
			walk(n.Node)
		case *tparse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *tparse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *tparse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *tparse.TemplateNode:
			walk(n.Pipe)
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	return found
}

// thresholdAlert fills a for a threshold rule.
func (rs *Ruleset) thresholdAlert(cr *compiledRule, a *alert.Alert, data *TemplateData) {
	s := cr.state.threshold
	a.Op = alert.OpThreshold
	a.StateKey = renderOr(s.per, rs.defaults.dedupKey, data)
	a.Count = s.count
	a.Within = s.within
	a.Share, a.Of = int(s.share), s.of
	a.AppWide = s.appWide
	a.Rearm = s.rearm != nil
	if p := cr.state.pending; p != nil {
		a.For = p.wait
	}
}

// why is the condition a threshold pages on, in numbers, for the page's
// why-now line; the store adds what it counted.
func (s *thresholdSpec) why(wait time.Duration) *alert.Why {
	w := &alert.Why{Need: s.count, Within: s.within, For: wait}
	if s.share > 0 {
		w.Share, w.Of = float64(s.share)/MaxShare, s.of
	}
	return w
}

// rearms reports whether e re-arms this threshold's keys.
func (s *thresholdSpec) rearms(e *Facts) bool {
	for _, m := range s.rearm {
		if !m.match(e) {
			return false
		}
	}
	return len(s.rearm) > 0
}

// rearming returns the threshold rules whose rearm matches e; like
// clearing, it is not a match, and every such rule is considered.
func (rs *Ruleset) rearming(e *Facts, out []*compiledRule) []*compiledRule {
	for _, cr := range rs.rearmRules {
		if cr.state.threshold.rearms(e) {
			out = append(out, cr)
		}
	}
	return out
}

// rearmAlert is the request to count cr's key for e again. Its notification
// only carries the event, which says where the rule's state lives.
func (rs *Ruleset) rearmAlert(cr *compiledRule, e *Facts) alert.Alert {
	t := cr.state.threshold
	data := TemplateData{Facts: e, Rule: cr.name, Severity: cr.severity, Count: 1}
	return alert.Alert{
		Op:           alert.OpRearm,
		Rule:         cr.name,
		StateKey:     renderOr(t.per, rs.defaults.dedupKey, &data),
		EventMs:      eventMs(e),
		Within:       t.within,
		AppWide:      t.appWide,
		Notification: alert.Notification{Kind: alert.KindResolved, Rule: cr.name, Event: e.AlertEvent()},
	}
}

// needs says what a threshold needs, for `hook check` and `hook test`.
func (s *thresholdSpec) needs() string {
	if s.share == 0 {
		return strconv.Itoa(s.count)
	}
	return fmt.Sprintf("%s of the %s's users (at least %d)", s.share, s.of, s.count)
}

func (s *thresholdSpec) String() string {
	out := fmt.Sprintf("%d within %s", s.count, s.within)
	if s.share > 0 {
		out = fmt.Sprintf("%s within %s", s.needs(), s.within)
	}
	if s.appWide {
		out += ", app-wide"
	}
	if s.rearm != nil {
		out += ", once until rearmed"
	}
	return out
}
