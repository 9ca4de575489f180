package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// Explanation is one rule's judgement of one event, in words, for `hook test`.
type Explanation struct {
	Rule string
	// Considered is false for rules after a match that did not say continue:
	// evaluation stopped before them.
	Considered bool
	Matched    bool
	// Why says what decided: the matcher that failed and what the event had,
	// `when:` being false or failing, or what matched.
	Why string
	// Alert is what a matched rule would hand the store: op, dedup key,
	// window and notification. Nil for rules that did not match.
	Alert *alert.Alert
	// State says what a stateful rule does with the event before anything
	// pages (counts it, opens a pending alert, groups it); "" for plain rules.
	State string
	// Clears is set on an extra explanation for a rule whose pending alert
	// this event clears (or, if it already paged, resolves).
	Clears bool
	// Route says, for a matched rule that names no receivers, which route
	// picked its receivers ("routed by routes[0] (line 12), group:
	// recording, to recording"), or that none did; "" for a rule with
	// receivers of its own.
	Route string
}

// Explain judges e against every rule, in order, exactly as Evaluate does (it
// shares the matching code), and says why each rule matched or not. It renders
// the pages of matched rules as of now; it touches no store.
func Explain(rs *rules.Ruleset, e *match.Facts, now time.Time) ([]Explanation, error) {
	out := make([]Explanation, 0, len(rs.Rules()))
	stopped := false
	for _, cr := range rs.Rules() {
		v := Explanation{Rule: cr.Name, Considered: !stopped}
		if stopped {
			v.Why = "not considered: an earlier rule matched without continue: true"
			out = append(out, v)
			continue
		}
		state, failed, err := check(cr, e)
		switch state {
		case verdictNoMatch:
			v.Why = fmt.Sprintf("match.%s: wants %s, event has %s", failed.Key, failed.Want, failed.Got(e))
		case verdictWhenFalse:
			v.Why = fmt.Sprintf("every match passed, but when: is false (%s)", cr.WhenSrc)
		case verdictWhenFailed:
			v.Why = fmt.Sprintf("every match passed, but when: failed (%v), which counts as no match", firstLine(err.Error()))
		case verdictMatched:
			v.Matched = true
			v.Why = matchedBecause(cr, e)
			if v.Route = routedBy(rs, cr, e); v.Route != "" {
				v.Why += "; " + v.Route
			}
			a := firing(rs, cr, e, now)
			v.Alert = &a
			v.State = describeState(a)
			stopped = !cr.Continue
		}
		out = append(out, v)
	}
	for _, cr := range clearing(rs, e, nil) {
		f := clearAlert(rs, cr, e)
		why := fmt.Sprintf("clear: this event clears the pending alert %s (or resolves its page, if it already went out)", f.StateKey)
		if f.Op == alert.OpRecover {
			why = fmt.Sprintf("clear: %s is back, so no longer counts towards the threshold for %s", f.Member, f.StateKey)
		}
		out = append(out, Explanation{Rule: cr.Name, Considered: true, Clears: true, Why: why})
	}
	for _, cr := range rearming(rs, e, nil) {
		f := rearmAlert(rs, cr, e)
		why := fmt.Sprintf("rearm: this event ends the episode counted for %s: its next matching event counts again", f.StateKey)
		out = append(out, Explanation{Rule: cr.Name, Considered: true, Clears: true, Why: why})
	}
	return out, nil
}

// describeState says in words what the store will do with a stateful firing.
func describeState(f alert.Alert) string {
	var parts []string
	switch f.Op {
	case alert.OpThreshold:
		need := strconv.Itoa(f.Count)
		if f.Share > 0 {
			need = fmt.Sprintf("%d and %s of the %s's users (present, plus those counted away)", f.Count, rules.Share(f.Share), f.Of)
		}
		switch {
		case f.For > 0:
			parts = append(parts, fmt.Sprintf("threshold: counts %s towards %s within %s for %s; once reached, waits %s and pages if %s are still away", f.Member, need, f.Within, f.StateKey, f.For, need))
		case f.Share > 0:
			parts = append(parts, fmt.Sprintf("threshold: counts %s towards %s within %s for %s; pages when both are reached", f.Member, need, f.Within, f.StateKey))
		default:
			parts = append(parts, fmt.Sprintf("threshold: counts towards %d events within %s for %s; pages when the count is reached", f.Count, f.Within, f.StateKey))
		}
		if f.Rearm {
			parts = append(parts, fmt.Sprintf("rearm: counts %s once, then not again until a rearm event for it", f.StateKey))
		}
		if f.AppWide {
			parts = append(parts, fmt.Sprintf("app-wide: the key does not name the room, so every room of app %s counts together and pages once", f.Notification.Event.App))
		}
	case alert.OpPending:
		parts = append(parts, fmt.Sprintf("for: opens the pending alert %s; pages after %s unless a clearing event comes first", f.StateKey, f.For))
	}
	if f.Group != nil {
		parts = append(parts, fmt.Sprintf("group_by: pages for group %s go out after %s, then as updates every %s", f.Group.ID, f.Group.Wait, f.Group.Interval))
	}
	if len(f.InhibitTargets) > 0 {
		parts = append(parts, "inhibit: held back while an inhibiting alert of the same group fires")
	}
	return strings.Join(parts, "; ")
}

func matchedBecause(cr *rules.CompiledRule, e *match.Facts) string {
	var parts []string
	for _, m := range cr.Matchers {
		parts = append(parts, fmt.Sprintf("%s %s matches %s", m.Key, m.Got(e), m.Want))
	}
	if cr.When != nil {
		parts = append(parts, "when: true")
	}
	if len(parts) == 0 {
		return "matched: the rule matches every event"
	}
	s := "matched: " + strings.Join(parts, "; ")
	if cr.Continue {
		s += " (continue: true, so later rules are considered too)"
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
