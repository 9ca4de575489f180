package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/simulate"
)

// simStart is when rehearsed and written timelines begin: 2026-03-01 12:00 UTC,
// as in examples/.
var simStart = time.UnixMilli(1772366400000).UTC()

// fixedIDs numbers the scenarios of a plan: rooms 8001, 8002... (the call
// scenario's calls count on from there) and tasks sim-1, sim-2...
func fixedIDs() func() (int, string) {
	n := 0
	return func() (int, string) {
		n++
		return 8000 + 100*n, "sim-" + strconv.Itoa(n)
	}
}

// simPlan is `hook simulate ARGS...`'s plan with fixed ids.
func simPlan(t *testing.T, args ...string) []simulate.Call {
	t.Helper()
	c, err := parseSimulate(append([]string{"--key", "k"}, args...), func(string) string { return "" }, &strings.Builder{})
	if err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return c.Plan(fixedIDs())
}

// roomRE and taskRE find the plans' room numbers and task ids (fixedIDs)
// in a page's words: a real run's are random.
var (
	roomRE = regexp.MustCompile(`\b8[1-9]\d\d\b`)
	taskRE = regexp.MustCompile(`\bsim-\d+\b`)
)

// simEvents is what hook receives from a plan played at speed 1: each body
// stamped at its planned time from start.
func simEvents(t *testing.T, calls []simulate.Call, start time.Time, noWait bool) []callback.Event {
	t.Helper()
	events := make([]callback.Event, 0, len(calls))
	for i, c := range calls {
		at := start.Add(c.At)
		if noWait {
			at = start.Add(time.Duration(i) * time.Millisecond) // --no-wait: one after the other, at once
		}
		body, err := simulate.Body(c.Step, at)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := callback.Decode(c.App, body)
		if err != nil {
			t.Fatalf("%s: %v", c.Step.What, err)
		}
		events = append(events, ev)
	}
	return events
}

// simPage is one page a plan produces: when (from the first callback), which
// rule, and its title with the plan's room numbers as <room> and its task
// ids as <task>.
type simPage struct {
	at    time.Duration
	rule  string
	title string
}

func (p simPage) String() string {
	return fmt.Sprintf("%s  %-28s %s", clock(p.at), p.rule, p.title)
}

// clock is d as m:ss, rounded to the second.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// rehearseSimulate plays `hook simulate ARGS...` (at speed 1, or at once
// with --no-wait) through the embedded example rules on a simulated clock:
// every page it causes and when.
func rehearseSimulate(t *testing.T, args ...string) ([]simulate.Call, []simPage) {
	t.Helper()
	calls := simPlan(t, args...)
	noWait := slices.Contains(args, "--no-wait")
	steps := rehearseExample(t, simEvents(t, calls, simStart, noWait))
	var pages []simPage
	for _, st := range steps {
		for _, n := range st.Pages {
			title := taskRE.ReplaceAllString(roomRE.ReplaceAllString(words.Title(n), "<room>"), "<task>")
			if n.Kind != alert.KindFiring {
				title = string(n.Kind) + ": " + title
			}
			pages = append(pages, simPage{at: st.At.Sub(simStart), rule: n.Rule, title: title})
		}
	}
	return calls, pages
}
