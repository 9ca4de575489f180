package words

import (
	"strconv"
	"strings"

	"github.com/hookdev/hook/internal/alert"
)

// The words of a flood digest, shared by the console and Slack renderers
// like the rest of words.go. Every one derives from the typed alert.Digest.

// maxDigestRules is how many rules a digest names one by one; the rest are
// summed up in one line.
const maxDigestRules = 10

// DigestTitle is a digest's headline, e.g. "2,968 more pages:
// recording-start-failed in 2,968 rooms" (up to two rules named).
func DigestTitle(n alert.Notification) string {
	d := n.Digest
	if d == nil {
		return "more pages"
	}
	s := Thousands(d.Pages) + " more " + plural(d.Pages, "page", "pages")
	if d.Final {
		s = "Flood over, " + Thousands(d.Pages) + " " + plural(d.Pages, "page", "pages")
	}
	var parts []string
	for i, r := range d.ByRule {
		if i == 2 {
			rest := len(d.ByRule) - 2
			parts = append(parts, "and "+strconv.Itoa(rest)+" more "+plural(rest, "rule", "rules"))
			break
		}
		if len(d.ByRule) == 1 {
			parts = append(parts, ruleName(r.Rule)+roomsPhrase(r.Rooms, r.RoomsAtLeast))
		} else {
			parts = append(parts, ruleName(r.Rule)+" ("+Thousands(r.Pages)+roomsPhrase(r.Rooms, r.RoomsAtLeast)+")")
		}
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}

// DigestText says what a digest is and what comes next; quote wraps a
// command (Slack puts it in backticks).
func DigestText(n alert.Notification, quote func(string) string) string {
	d := n.Digest
	if d == nil {
		return ""
	}
	list := "Every page is listed by " + quote("hook outbox digests "+n.ID) + "."
	if d.Final {
		return "The flood is over: pages for this channel are sent one by one again. " + list
	}
	s := "More pages wait for this channel than it takes soon, so they are summarised here instead of sent one by one; " +
		"critical pages of other rules still come on their own. "
	every := "every " + d.Interval.String()
	switch {
	case d.Interval <= 0:
	case d.InPlace:
		s += "This message is updated " + every + " while the flood lasts. "
	default:
		s += "A new summary follows " + every + " while the flood lasts. "
	}
	return s + list
}

// DigestFields are a digest's counts and span, in display order.
func DigestFields(n alert.Notification) []Field {
	d := n.Digest
	if d == nil {
		return nil
	}
	pages := Thousands(d.Pages)
	if d.Resolved > 0 {
		pages += " (" + Thousands(d.Resolved) + " resolved)"
	}
	fs := []Field{{Name: "Pages", Value: pages}}
	if d.Rooms > 0 {
		fs = append(fs, Field{Name: "Rooms", Value: atLeast(d.Rooms, d.RoomsAtLeast)})
	}
	var sev []string
	for _, s := range d.BySeverity {
		name := string(s.Severity)
		if name == "" {
			name = "no severity"
		}
		sev = append(sev, name+" "+Thousands(s.Pages))
	}
	if len(sev) > 0 {
		fs = append(fs, Field{Name: "By severity", Value: strings.Join(sev, ", ")})
	}
	if !d.Since.IsZero() {
		fs = append(fs, Field{Name: "First", Value: Timestamp(d.Since)})
	}
	if !d.Until.IsZero() {
		fs = append(fs, Field{Name: "Latest", Value: Timestamp(d.Until)})
	}
	return fs
}

// DigestRuleLines count a digest's pages per rule, one line each, e.g.
// "recording-start-failed (critical): 2,968 pages in 2,968 rooms"; quote
// wraps the rule's name.
func DigestRuleLines(n alert.Notification, quote func(string) string) []string {
	if n.Digest == nil {
		return nil
	}
	rules := n.Digest.ByRule
	var lines []string
	for i, r := range rules {
		if i == maxDigestRules {
			pages := 0
			for _, rest := range rules[i:] {
				pages += rest.Pages
			}
			lines = append(lines, "and "+strconv.Itoa(len(rules)-i)+" more rules: "+Thousands(pages)+" "+plural(pages, "page", "pages"))
			break
		}
		s := quote(ruleName(r.Rule))
		if r.Severity != "" {
			s += " (" + string(r.Severity) + ")"
		}
		lines = append(lines, s+": "+Thousands(r.Pages)+" "+plural(r.Pages, "page", "pages")+roomsPhrase(r.Rooms, r.RoomsAtLeast))
	}
	return lines
}

// DigestExampleLines word a digest's first pages as one line each:
// "[CRITICAL] Recording failed to start — app 1400000001 room r42 (rule x)".
// The parts come from TRTC clients: renderers neutralise them.
func DigestExampleLines(n alert.Notification) []string {
	if n.Digest == nil {
		return nil
	}
	lines := make([]string, 0, len(n.Digest.Examples))
	for _, e := range n.Digest.Examples {
		p := e.Notification()
		s := "[" + SeverityWord(p) + "] " + Title(p)
		if where := Where(p); where != "" {
			s += " — " + where
		}
		if p.Event.Task != "" {
			s += " task " + p.Event.Task
		}
		if e.Rule != "" && e.Rule != Title(p) {
			s += " (rule " + e.Rule + ")"
		}
		lines = append(lines, s)
	}
	return lines
}

// Thousands writes n with thousands separators: 2968 -> "2,968".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func roomsPhrase(rooms int, more bool) string {
	if rooms == 0 {
		return ""
	}
	return " in " + atLeast(rooms, more) + " " + plural(rooms, "room", "rooms")
}

func atLeast(n int, more bool) string {
	if more {
		return Thousands(n) + "+"
	}
	return Thousands(n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func ruleName(r string) string {
	if r == "" {
		return "(no rule)"
	}
	return r
}
