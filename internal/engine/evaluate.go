package engine

import (
	"crypto/rand"
	"time"

	"github.com/expr-lang/expr"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
)

// Alerts judges e against the rules and says what the store must do about
// it: first the clears of pending alerts that e recovers, then one Alert per
// matched rule. Nil means a routine event: nothing to store, nobody to page.
// It does no I/O.
func (rs *Ruleset) Alerts(e *Facts, now time.Time) []alert.Alert {
	// Room on the stack for the usual one or two rules.
	var matchedBuf, clearsBuf [4]*compiledRule
	matched := rs.evaluate(e, matchedBuf[:0])
	clears := rs.clearing(e, clearsBuf[:0])
	var rearms []*compiledRule
	if len(rs.rearmRules) > 0 {
		rearms = rs.rearming(e, nil)
	}
	if len(matched) == 0 && len(clears) == 0 && len(rearms) == 0 {
		return nil
	}
	out := make([]alert.Alert, 0, len(matched)+len(clears)+len(rearms))
	// Clears and rearms go first: an event that both recovers one alert and
	// opens another must not see its own alert cleared.
	for _, cr := range clears {
		out = append(out, rs.clearAlert(cr, e))
	}
	for _, cr := range rearms {
		out = append(out, rs.rearmAlert(cr, e))
	}
	for _, cr := range matched {
		out = append(out, rs.alert(cr, e, now))
	}
	return out
}

// Evaluate returns the rules e matches, in file order: the first match, and
// every further one while matched rules say continue.
func (rs *Ruleset) Evaluate(e *Facts) []*compiledRule { return rs.evaluate(e, nil) }

// evaluate is Evaluate, appending to matched.
func (rs *Ruleset) evaluate(e *Facts, matched []*compiledRule) []*compiledRule {
	for _, cr := range rs.rules {
		if !cr.matches(e) {
			continue
		}
		matched = append(matched, cr)
		if !cr.cont {
			break
		}
	}
	return matched
}

func (cr *compiledRule) matches(e *Facts) bool {
	v, _, _ := cr.check(e)
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
func (cr *compiledRule) check(e *Facts) (verdict, *matcher, error) {
	for _, m := range cr.matchers {
		if !m.match(e) {
			return verdictNoMatch, m, nil
		}
	}
	if cr.when == nil {
		return verdictMatched, nil, nil
	}
	out, err := expr.Run(cr.when, *e)
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
func (rs *Ruleset) alert(cr *compiledRule, e *Facts, now time.Time) alert.Alert {
	data := TemplateData{Facts: e, Rule: cr.name, Severity: cr.severity, Count: 1, countMark: cr.state.aggregated()}
	if cr.state.threshold != nil {
		data.Count = cr.state.threshold.count
	}
	dedup := cr.name + ":" + renderOr(cr.dedupKey, rs.defaults.dedupKey, &data)
	var shown TemplateData // only templates that are not plain need it
	if cr.title.executes() || cr.text.executes() {
		shown = data.forDisplay()
	}
	n := alert.Notification{
		ID:        rand.Text(),
		Kind:      alert.KindFiring,
		Rule:      cr.name,
		Severity:  cr.severity,
		Event:     e.AlertEvent(),
		Title:     cr.title.display(&data, &shown),
		Text:      cr.text.display(&data, &shown),
		Count:     1,
		DedupKey:  dedup,
		Incident:  e.App + "/" + e.RoomKey,
		CreatedAt: now.UTC(),
		// Every page of the rule carries its runbook: the firing page, the
		// group's updates and the resolved page all start from this one.
		Runbook: cr.runbook,
		Why:     cr.state.why(),
	}
	if t := cr.state.threshold; t != nil && t.appWide {
		// One incident for the app, whichever room's event crossed it.
		n.Incident = e.App
	}
	member, kind := memberOf(e)
	var role, reason string
	if cr.state.aggregated() {
		// The notification stands for many events: the store counts them and
		// lists who, each with their own role and reason.
		n.Aggregate, n.MemberKind = true, kind
		if kind == alert.MembersUsers {
			role, reason = codeWords(e.Role), codeWords(e.Reason)
		}
	}
	a := alert.Alert{
		Op:       alert.OpPage,
		Rule:     cr.name,
		EventMs:  eventMs(e),
		Labels:   alertLabels(cr, e),
		DedupKey: dedup,
		Window:   cr.window,
		Member:   member,

		MemberRole:   role,
		MemberReason: reason,
	}
	rs.statefulAlert(cr, e, &a, &data)
	a.Notification = n
	a.Receivers = cr.receiversFor(e)
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

// receiver resolves a receiver name into what a notification carries to notify.
func (rs *Ruleset) receiver(name string, sev alert.Severity) alert.Receiver {
	r := rs.receivers[name]
	if r.Slack != nil {
		return alert.Receiver{Name: name, Kind: alert.ReceiverSlack, Channel: r.Slack.Channel, Mentions: r.Slack.Mentions[string(sev)]}
	}
	return alert.Receiver{Name: name, Kind: alert.ReceiverConsole}
}
