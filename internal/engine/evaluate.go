package engine

import (
	"crypto/rand"
	"time"

	"github.com/expr-lang/expr"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// Alerts judges e against the rules and says what the store must do about
// it: first the clears of pending alerts that e recovers, then one Alert per
// matched rule. Nil means a routine event: nothing to store, nobody to page.
// It does no I/O.
func Alerts(rs *rules.Ruleset, e *match.Facts, now time.Time) []alert.Alert {
	// Room on the stack for the usual one or two rules.
	var matchedBuf, clearsBuf [4]*rules.CompiledRule
	matched := evaluate(rs, e, matchedBuf[:0])
	clears := clearing(rs, e, clearsBuf[:0])
	var rearms []*rules.CompiledRule
	if len(rs.RearmRules()) > 0 {
		rearms = rearming(rs, e, nil)
	}
	if len(matched) == 0 && len(clears) == 0 && len(rearms) == 0 {
		return nil
	}
	out := make([]alert.Alert, 0, len(matched)+len(clears)+len(rearms))
	// Clears and rearms go first: an event that both recovers one alert and
	// opens another must not see its own alert cleared.
	for _, cr := range clears {
		out = append(out, clearAlert(rs, cr, e))
	}
	for _, cr := range rearms {
		out = append(out, rearmAlert(rs, cr, e))
	}
	for _, cr := range matched {
		out = append(out, firing(rs, cr, e, now))
	}
	return out
}

// Evaluate returns the rules e matches, in file order: the first match, and
// every further one while matched rules say continue.
func Evaluate(rs *rules.Ruleset, e *match.Facts) []*rules.CompiledRule { return evaluate(rs, e, nil) }

// evaluate is Evaluate, appending to matched.
func evaluate(rs *rules.Ruleset, e *match.Facts, matched []*rules.CompiledRule) []*rules.CompiledRule {
	for _, cr := range rs.Rules() {
		if !matches(cr, e) {
			continue
		}
		matched = append(matched, cr)
		if !cr.Continue {
			break
		}
	}
	return matched
}

func matches(cr *rules.CompiledRule, e *match.Facts) bool {
	v, _, _ := check(cr, e)
	return v == verdictMatched
}

// verdict is how one rule judged one event.
type verdict uint8

const (
	verdictMatched    verdict = iota
	verdictNoMatch            // a matcher failed
	verdictWhenFalse          // every matcher passed; `when:` said false
	verdictWhenFailed         // `when:` failed at run time
)

// check is the one place a rule is tested against an event; Evaluate and
// Explain both use it. It returns the matcher that failed, or the error of a
// `when:` expression that could not run.
func check(cr *rules.CompiledRule, e *match.Facts) (verdict, *match.Matcher, error) {
	for _, m := range cr.Matchers {
		if !m.Match(e) {
			return verdictNoMatch, m, nil
		}
	}
	if cr.When == nil {
		return verdictMatched, nil, nil
	}
	out, err := expr.Run(cr.When, *e)
	if err != nil {
		// A runtime error (e.g. a missing payload key) means "does not match":
		// one odd callback must not stop the rules after it.
		return verdictWhenFailed, nil, err
	}
	if ok, _ := out.(bool); !ok {
		return verdictWhenFalse, nil, nil
	}
	return verdictMatched, nil, nil
}

// alert is cr's Alert for e: the op and state the store needs, and the
// notification each receiver gets if it pages.
func firing(rs *rules.Ruleset, cr *rules.CompiledRule, e *match.Facts, now time.Time) alert.Alert {
	data := match.Data(e, cr.Name, cr.Severity, 1, cr.State.Aggregated())
	if cr.State.Threshold != nil {
		data.Count = cr.State.Threshold.Count
	}
	dedup := cr.Name + ":" + match.RenderOr(cr.DedupKey, rs.DefaultKey(), &data)
	title, text := match.Page(cr.Title, cr.Text, &data)
	n := alert.Notification{
		ID:        rand.Text(),
		Kind:      alert.KindFiring,
		Rule:      cr.Name,
		Severity:  cr.Severity,
		Event:     e.PageEvent(),
		Title:     title,
		Text:      text,
		Count:     1,
		DedupKey:  dedup,
		Incident:  e.App + "/" + e.RoomKey,
		CreatedAt: now.UTC(),
		// Every page of the rule carries its runbook: the firing page, the
		// group's updates and the resolved page all start from this one.
		Runbook: cr.Runbook,
		Why:     cr.State.Why(),
	}
	if t := cr.State.Threshold; t != nil && t.AppWide {
		// One incident for the app, whichever room's event crossed it.
		n.Incident = e.App
	}
	member, kind := memberOf(e)
	var role, reason string
	if cr.State.Aggregated() {
		// The notification stands for many events: the store counts them and
		// lists who, each with their own role and reason.
		n.Aggregate, n.MemberKind = true, kind
		if kind == alert.MembersUsers {
			role, reason = codeWords(e.Role), codeWords(e.Reason)
		}
	}
	a := alert.Alert{
		Op:       alert.OpPage,
		Rule:     cr.Name,
		EventMs:  eventMs(e),
		Labels:   alertLabels(cr, e),
		DedupKey: dedup,
		Window:   cr.Window,
		Member:   member,

		MemberRole:   role,
		MemberReason: reason,
	}
	statefulAlert(rs, cr, e, &a, &data)
	a.Notification = n
	a.Receivers = receiversFor(cr, e)
	return a
}

// codeWords are the catalogue's words for a code the event carries, "" for
// one it does not.
func codeWords(c catalog.Code) string {
	if c.Value < 0 {
		return ""
	}
	return c.Title
}
