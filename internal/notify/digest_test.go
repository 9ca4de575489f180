package notify

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

func digestPage(id, rule string, sev alert.Severity, room string) alert.Notification {
	return alert.Notification{ID: id, Kind: alert.KindFiring, Rule: rule, Severity: sev,
		Event:    alert.Event{App: "1400000001", Room: room},
		Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall", Mentions: []string{"<@" + string(sev) + ">"}}}
}

func TestDigestBuilder(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	r := alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall", Mentions: []string{"<!here>"}}
	b := newDigestBuilder("dg-1", r, 2)
	for i := range 5 {
		b.add(digestPage(fmt.Sprintf("w%d", i), "user-dropped", alert.SeverityWarning, fmt.Sprintf("r%d", i%2)), at)
	}
	for i := range 7 {
		b.add(digestPage(fmt.Sprintf("c%d", i), "recording-start-failed", alert.SeverityCritical, fmt.Sprintf("r%d", i)), at.Add(time.Second))
	}
	resolved := digestPage("x", "user-dropped", alert.SeverityWarning, "")
	resolved.Kind = alert.KindResolved
	b.add(resolved, at.Add(2*time.Second))

	n := b.notification(10*time.Second, true, false, true)
	d := n.Digest
	if n.ID != "dg-1" || n.Kind != alert.KindDigest || n.Severity != alert.SeverityCritical || n.Count != 13 {
		t.Errorf("notification = %+v", n)
	}
	if len(n.Receiver.Mentions) != 1 || n.Receiver.Mentions[0] != "<@critical>" || n.Receiver.Channel != "#oncall" {
		t.Errorf("receiver %+v: want the most urgent page's mentions", n.Receiver)
	}
	if d.Pages != 13 || d.Resolved != 1 || d.Rooms != 7 || !d.Since.Equal(at) || !d.Until.Equal(at.Add(2*time.Second)) {
		t.Errorf("digest = %+v", d)
	}
	wantRules := "[{recording-start-failed critical 7 7 false} {user-dropped warning 6 2 false}]"
	if got := fmt.Sprint(d.ByRule); got != wantRules {
		t.Errorf("by rule %s, want %s", got, wantRules)
	}
	if got := fmt.Sprint(d.BySeverity); got != "[{critical 7} {warning 6}]" {
		t.Errorf("by severity %s", got)
	}
	if len(d.Examples) != 2 || d.Examples[0].PageID != "w0-oncall" {
		t.Errorf("examples %+v, want the first two", d.Examples)
	}
	if n := b.notification(0, false, false, false); len(n.Receiver.Mentions) != 0 {
		t.Error("a refresh carries mentions")
	}
}

func TestDigestBuilderBoundsRooms(t *testing.T) {
	b := newDigestBuilder("dg-1", alert.Receiver{}, 0)
	for i := range maxDigestRooms + 10 {
		b.add(digestPage("p", "a", alert.SeverityInfo, fmt.Sprint(i)), time.Time{})
	}
	d := b.notification(0, false, false, false).Digest
	if d.Pages != maxDigestRooms+10 || !d.RoomsAtLeast || d.Rooms > maxDigestRooms || !d.ByRule[0].RoomsAtLeast {
		t.Errorf("pages %d rooms %d (at least %v), rule %+v", d.Pages, d.Rooms, d.RoomsAtLeast, d.ByRule[0])
	}
	if got := words.DigestTitle(b.notification(0, false, false, false)); !strings.Contains(got, "+ rooms") {
		t.Errorf("title %q does not say the room count is a floor", got)
	}
}

// TestDigestExampleKeepsItsCount: a digest's example keeps the count its
// page had (moved from words' TestCountAgreesWithList with the builder).
func TestDigestExampleKeepsItsCount(t *testing.T) {
	n := digestPage("p1", "a", alert.SeverityCritical, "r1")
	n.Aggregate, n.MemberCount, n.Title = true, 3, alert.CountMark+" users"
	n.Members = []alert.Member{{Name: "ua", Events: 1}, {Name: "ub", Events: 1}, {Name: "uc", Events: 1}}
	b := newDigestBuilder("d1", n.Receiver, 1)
	b.add(n, n.CreatedAt)
	if got := words.Title(b.d.Examples[0].Notification()); got != "3 users" {
		t.Errorf("digest example title %q, want %q", got, "3 users")
	}
}

// TestFloodSort: in a flood, a critical page goes out on its own only when
// its rule is not in the flood and it is the only page of its rule waiting;
// everything else is absorbed and puts its rule in the flood.
func TestFloodSort(t *testing.T) {
	crit, warn := alert.SeverityCritical, alert.SeverityWarning
	del := func(id, rule string, sev alert.Severity) alert.Delivery {
		return alert.Delivery{ID: id, Notification: alert.Notification{ID: id, Rule: rule, Severity: sev}}
	}
	tests := []struct {
		name        string
		inFlood     []string
		urgent      []alert.Delivery
		incoming    []alert.Delivery
		wantUrgent  string
		wantHeld    string
		wantInFlood string
	}{
		{"a flood of one critical rule is absorbed whole",
			nil, nil, []alert.Delivery{del("1", "rec", crit), del("2", "rec", crit), del("3", "rec", crit)},
			"[]", "[1 2 3]", "[rec]"},
		{"a lone critical page of another rule goes out",
			[]string{"rec"}, nil, []alert.Delivery{del("1", "rec", crit), del("2", "crash", crit), del("3", "rec", crit)},
			"[2]", "[1 3]", "[rec]"},
		{"a warning is absorbed, whatever its rule",
			[]string{"rec"}, nil, []alert.Delivery{del("1", "slow", warn)},
			"[]", "[1]", "[rec slow]"},
		{"a second page of a rule already waiting to go out floods it",
			[]string{"rec"}, []alert.Delivery{del("0", "crash", crit)}, []alert.Delivery{del("1", "crash", crit)},
			"[0]", "[1]", "[crash rec]"},
		{"the pages going out on their own are bounded by the threshold",
			[]string{"rec"}, []alert.Delivery{del("a", "x", crit), del("b", "y", crit)}, []alert.Delivery{del("c", "z", crit)},
			"[a b]", "[c]", "[rec z]"},
	}
	ids := func(ds []alert.Delivery) string {
		var s []string
		for _, d := range ds {
			s = append(s, d.ID)
		}
		return fmt.Sprint(s)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &flood{d: &Dispatcher{cfg: DispatcherConfig{Flood: FloodConfig{Threshold: 2}}}, rules: map[string]bool{},
				urgent: tt.urgent, incoming: tt.incoming}
			for _, r := range tt.inFlood {
				f.rules[r] = true
			}
			f.sort()
			var rules []string
			for _, r := range []string{"crash", "rec", "slow", "x", "y", "z"} {
				if f.rules[r] {
					rules = append(rules, r)
				}
			}
			if got := ids(f.urgent); got != tt.wantUrgent {
				t.Errorf("on their own %s, want %s", got, tt.wantUrgent)
			}
			if got := ids(f.held); got != tt.wantHeld {
				t.Errorf("absorbed %s, want %s", got, tt.wantHeld)
			}
			if got := fmt.Sprint(rules); got != tt.wantInFlood {
				t.Errorf("rules in the flood %s, want %s", got, tt.wantInFlood)
			}
			if f.arrivals != len(tt.incoming) || len(f.incoming) != 0 {
				t.Errorf("arrivals %d, incoming left %d", f.arrivals, len(f.incoming))
			}
		})
	}
}
