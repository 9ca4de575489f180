package backtest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// pg is a page of rule about room, at a second of t0, to oncall.
func pg(rule, room string, sec int) page {
	return page{at: t0.Add(time.Duration(sec) * time.Second), n: alert.Notification{Rule: rule, Kind: alert.KindFiring,
		DedupKey: rule + ":" + room, Receiver: alert.Receiver{Name: "oncall"},
		Event: alert.Event{App: liveApp, Room: room, User: "u-" + room}, Title: "Room " + room}}
}

// The differ matches a page of one side with the same page of the other
// (rule, kind, dedup key, receiver) within the match window, whichever
// comes first, and counts the rest as gone or added, with examples.
func TestDiffer(t *testing.T) {
	type in struct {
		side int
		p    page
	}
	resolved := pg("r", "1", 50)
	resolved.n.Kind = alert.KindResolved
	console := pg("r", "1", 0)
	console.n.Receiver.Name = "console"
	for _, tc := range []struct {
		name  string
		pages []in
		want  string // rule: current new kept gone added
	}{
		{"same page both sides", []in{{current, pg("r", "1", 0)}, {updated, pg("r", "1", 0)}}, "r: 1 1 kept 1 gone 0 added 0"},
		{"moved within the window", []in{{current, pg("r", "1", 30)}, {updated, pg("r", "1", 60)}}, "r: 1 1 kept 1 gone 0 added 0"},
		{"the new side first", []in{{updated, pg("r", "1", 0)}, {current, pg("r", "1", 20)}}, "r: 1 1 kept 1 gone 0 added 0"},
		{"beyond the window", []in{{current, pg("r", "1", 0)}, {updated, pg("r", "1", 2*3600)}}, "r: 1 1 kept 0 gone 1 added 1"},
		{"gone", []in{{current, pg("r", "1", 0)}, {current, pg("r", "2", 5)}, {updated, pg("r", "2", 5)}}, "r: 2 1 kept 1 gone 1 added 0"},
		{"added", []in{{updated, pg("r", "1", 0)}}, "r: 0 1 kept 0 gone 0 added 1"},
		{"twice against once", []in{{current, pg("r", "1", 0)}, {current, pg("r", "1", 700)}, {updated, pg("r", "1", 0)}}, "r: 2 1 kept 1 gone 1 added 0"},
		{"a resolved page is not the page", []in{{current, pg("r", "1", 0)}, {updated, resolved}, {updated, pg("r", "1", 0)}}, "r: 1 2 kept 1 gone 0 added 1"},
		{"another receiver is another page", []in{{current, pg("r", "1", 0)}, {updated, console}}, "r: 1 1 kept 0 gone 1 added 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{byName: map[string]*RuleReport{}, examples: 2}
			d := newDiffer(rep, Options{Match: time.Hour})
			for _, p := range tc.pages {
				d.add(p.side, p.p)
				if p.p.at.After(d.sides[p.side].progress) {
					d.sides[p.side].progress = p.p.at
				}
				d.expire(false)
			}
			d.expire(true)
			r := rep.rule("r")
			got := fmt.Sprintf("r: %d %d kept %d gone %d added %d", r.Current, r.New, r.Kept, r.Gone, r.Added)
			if got != tc.want {
				t.Errorf("%s, want %s", got, tc.want)
			}
			if len(r.GoneExamples) != min(r.Gone, 2) || len(r.AddedExamples) != min(r.Added, 2) {
				t.Errorf("examples: %d gone, %d added", len(r.GoneExamples), len(r.AddedExamples))
			}
		})
	}
}

// Pages wait for their match no longer than the window behind both
// sides: memory holds a window's pages, not the period's.
func TestDifferForgetsBehindTheWindow(t *testing.T) {
	rep := &Report{byName: map[string]*RuleReport{}, examples: 3}
	d := newDiffer(rep, Options{Match: time.Hour})
	for i := range 10000 {
		sec := i * 10
		d.add(current, pg("r", fmt.Sprint(i), sec))
		for s := range d.sides {
			d.sides[s].progress = t0.Add(time.Duration(sec) * time.Second)
		}
		d.expire(false)
	}
	if waiting := len(d.sides[current].queue) - d.sides[current].head; waiting > 400 {
		t.Errorf("%d pages waiting for their match: more than an hour's (360)", waiting)
	}
	if len(d.sides[current].queue) > 2*1024+400 {
		t.Errorf("the queue holds %d entries: it is never compacted", len(d.sides[current].queue))
	}
	d.expire(true)
	if r := rep.rule("r"); r.Gone != 10000 || len(r.GoneExamples) != 3 {
		t.Errorf("gone %d with %d examples", r.Gone, len(r.GoneExamples))
	}
}

// The text report: the table, then each changed rule with its examples.
func TestReportText(t *testing.T) {
	rep := &Report{CurrentRules: "rules.yaml", NewRules: "tuned.yaml", From: t0, To: t0.Add(90 * time.Minute), Callbacks: 12345,
		CurrentPages: 7, NewPages: 5, byName: map[string]*RuleReport{}}
	a := rep.rule("room-outage")
	a.InCurrent, a.InNew, a.Current, a.New, a.Kept, a.Gone = true, true, 4, 2, 2, 2
	a.GoneExamples = []Example{{At: t0.Add(63 * time.Second), Kind: "firing", App: liveApp, Room: "9110", Members: 6, MemberKind: "users",
		Title: "Users dropping out of room 9110", Why: "12 users dropped within 40s; 6 still away after 20s"}}
	b := rep.rule("anchor-dropped")
	b.InCurrent, b.InNew, b.Current, b.New, b.Kept = true, true, 3, 3, 3
	c := rep.rule("relay-slow")
	c.InNew, c.Added = true, 0
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	want := `Replayed 12,345 callbacks from 2026-03-01 12:00:00 to 2026-03-01 13:30:00 (1h30m).
current: rules.yaml
new:     tuned.yaml

rule              current      new     diff
room-outage             4        2       -2
anchor-dropped          3        3        =
relay-slow (new)        -        0        =
in all                  7        5       -2

room-outage: 2 pages no longer sent, 2 kept
  - 2026-03-01 12:01:03  room 9110  6 users: Users dropping out of room 9110 (12 users dropped within 40s; 6 still away after 20s)
  - ... and 1 more no longer sent
`
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"current_rules": "rules.yaml"`, `"rule": "room-outage"`, `"gone": 2`, `"members": 6`, `"in_current": false`} {
		if !strings.Contains(js.String(), s) {
			t.Errorf("JSON lacks %s:\n%s", s, js.String())
		}
	}
}
