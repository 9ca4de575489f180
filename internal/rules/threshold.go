package rules

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/yamlpos"
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

func (s *Share) DecodeNode(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a percentage like \"50%%\", got %s", yamlpos.DescribeNode(n))
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
		return fmt.Errorf("expected a percentage like \"50%%\", got %s", yamlpos.DescribeNode(n))
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

// ThresholdSpec is a rule's threshold, validated.
type ThresholdSpec struct {
	Count  int
	Within time.Duration
	Per    *match.KeyTemplate
	Share  Share  // 0: absolute
	Of     string // with share: OfRoom or OfApp
	// AppWide is set when Per does not name the room: the app's events are
	// counted together, so the state lives in the app's partition.
	AppWide bool
	Rearm   []*match.Matcher
}

func (c *compiler) threshold(path string, r *Rule, where string) *ThresholdSpec {
	t := r.Threshold
	if t == nil {
		return nil
	}
	tpath := path + ".threshold"
	s := &ThresholdSpec{Count: t.Count, Within: time.Duration(t.Within), Share: t.Share}
	if t.Count < 2 {
		c.errorf(tpath+".count", "%s: threshold.count must be at least 2 (a count of 1 is a plain rule)", where)
	}
	if s.Within <= 0 || s.Within > MaxStateDuration {
		c.errorf(tpath+".within", "%s: threshold.within must be a duration between 1s and %s, e.g. \"60s\"", where, MaxStateDuration)
	}
	per := c.template(tpath+".per", where, "threshold.per", cmp.Or(t.Per, DefaultThresholdPer))
	s.Per = match.NewKeyTemplate(per)
	s.AppWide = per != nil && !match.NamesRoom(per)
	switch {
	case t.Of != "" && t.Share == 0 && !c.d.FailedUnder(tpath+".share"):
		c.errorf(tpath+".of", "%s: threshold.of needs threshold.share: of says whose users the share is of", where)
	case t.Of != "" && t.Of != OfRoom && t.Of != OfApp:
		c.errorf(tpath+".of", "%s: threshold.of %q: use room or app%s", where, t.Of, alert.Suggest(t.Of, []string{OfRoom, OfApp}))
	}
	if s.Share > 0 {
		s.Of = cmp.Or(t.Of, OfRoom)
		if s.Of == OfRoom && s.AppWide {
			// The room's population lives in the room's partition, the
			// count of an app-wide key in the app's: no script sees both.
			c.errorf(tpath+".per", "%s: a share of the room needs threshold.per to name the room ({{.Room}} or {{.RoomKey}}); for a share of the app's users write of: app", where)
		}
	}
	if t.Rearm != nil {
		if len(t.Rearm) == 0 {
			c.errorf(tpath+".rearm", "%s: threshold.rearm needs at least one field to match, e.g. {relay_status: running}", where)
		}
		s.Rearm = c.matchers(tpath+".rearm", where+": threshold.rearm", t.Rearm)
	}
	return s
}

// why is the condition a threshold pages on, in numbers, for the page's
// why-now line; the store adds what it counted.
func (s *ThresholdSpec) why(wait time.Duration) *alert.Why {
	w := &alert.Why{Need: s.Count, Within: s.Within, For: wait}
	if s.Share > 0 {
		w.Share, w.Of = float64(s.Share)/MaxShare, s.Of
	}
	return w
}

// needs says what a threshold needs, for `hook check` and `hook test`.
func (s *ThresholdSpec) needs() string {
	if s.Share == 0 {
		return strconv.Itoa(s.Count)
	}
	return fmt.Sprintf("%s of the %s's users (at least %d)", s.Share, s.Of, s.Count)
}

func (s *ThresholdSpec) String() string {
	out := fmt.Sprintf("%d within %s", s.Count, s.Within)
	if s.Share > 0 {
		out = fmt.Sprintf("%s within %s", s.needs(), s.Within)
	}
	if s.AppWide {
		out += ", app-wide"
	}
	if s.Rearm != nil {
		out += ", once until rearmed"
	}
	return out
}
