package rules

import (
	"fmt"
	"strings"
	"time"
)

// Verdict is one rule's judgement of one event, in words, for `hook test`.
type Verdict struct {
	Rule string
	// Considered is false for rules after a match that did not say continue:
	// evaluation stopped before them.
	Considered bool
	Matched    bool
	// Why says what decided: the matcher that failed and what the event had,
	// `when:` being false or failing, or what matched.
	Why string
	// Firing is what a matched rule would hand the store: dedup key, window and
	// pages. Nil for rules that did not match.
	Firing *Firing
}

// Explain judges e against every rule, in order, exactly as Evaluate does (it
// shares the matching code), and says why each rule matched or not. It renders
// the pages of matched rules as of now; it touches no store.
func (rs *Ruleset) Explain(e *Facts, now time.Time) ([]Verdict, error) {
	out := make([]Verdict, 0, len(rs.rules))
	stopped := false
	for _, cr := range rs.rules {
		v := Verdict{Rule: cr.name, Considered: !stopped}
		if stopped {
			v.Why = "not considered: an earlier rule matched without continue: true"
			out = append(out, v)
			continue
		}
		state, failed, err := cr.check(e)
		switch state {
		case verdictNoMatch:
			v.Why = fmt.Sprintf("match.%s: wants %s, event has %s", failed.key, failed.want, failed.got(e))
		case verdictWhenFalse:
			v.Why = fmt.Sprintf("every match passed, but when: is false (%s)", cr.whenSrc)
		case verdictWhenFailed:
			v.Why = fmt.Sprintf("every match passed, but when: failed (%v), which counts as no match", firstLine(err.Error()))
		case verdictMatched:
			v.Matched = true
			v.Why = cr.matchedBecause(e)
			f, err := rs.firing(cr, e, now)
			if err != nil {
				return nil, fmt.Errorf("rule %q: %w", cr.name, err)
			}
			v.Firing = &f
			stopped = !cr.cont
		}
		out = append(out, v)
	}
	return out, nil
}

func (cr *compiledRule) matchedBecause(e *Facts) string {
	var parts []string
	for _, m := range cr.matchers {
		parts = append(parts, fmt.Sprintf("%s %s matches %s", m.key, m.got(e), m.want))
	}
	if cr.when != nil {
		parts = append(parts, "when: true")
	}
	if len(parts) == 0 {
		return "matched: the rule matches every event"
	}
	s := "matched: " + strings.Join(parts, "; ")
	if cr.cont {
		s += " (continue: true, so later rules are considered too)"
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
