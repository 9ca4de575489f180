package match_test

import (
	"reflect"
	"testing"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
)

// TestCodeWordsGiveBackWhatTheCallbackHad: a page carries its codes' facts
// only (PageEvent); CodeWords gives each the words the callback's facts had
// (Codes), the "unknown" words of a value the catalogue lacks included.
func TestCodeWordsGiveBackWhatTheCallbackHad(t *testing.T) {
	cat := catalogtest.New(t)
	relay := callback.Event{AppID: "1400000001", Group: 4, Type: 401, RoomID: "8489", Role: callback.Absent,
		TerminalType: callback.Absent, UserType: callback.Absent, Reason: callback.Absent, Status: 1,
		LeaveCode: callback.Absent, RoomType: 1}
	noType := userLeft(2)
	noType.Type = callback.Absent
	tests := []struct {
		name string
		ev   callback.Event
	}{
		{"documented reason", userLeft(2)},
		{"undocumented reason", userLeft(9)},
		{"relay status", relay},
		{"every code", func() callback.Event {
			ev := userLeft(1)
			ev.TerminalType, ev.UserType, ev.RoomType = 2, 2, 0
			return ev
		}()},
		{"no event type", noType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts := match.NewFacts(cat, tt.ev)
			n := alert.Notification{Event: facts.PageEvent()}
			for _, c := range n.Event.Codes {
				if c.Label != "" || c.Name != "" || c.Meaning != "" {
					t.Fatalf("the page carries words: %+v", c)
				}
			}
			match.NewCodeWords(cat).Fill(&n)
			if want := facts.Codes(); !reflect.DeepEqual(n.Event.Codes, want) {
				t.Errorf("filled\n %+v\nwant\n %+v", n.Event.Codes, want)
			}
		})
	}
	// The marker of an undocumented code survives the trip.
	facts := match.NewFacts(cat, userLeft(9))
	n := alert.Notification{Event: facts.PageEvent()}
	match.NewCodeWords(cat).Fill(&n)
	if c, _ := n.Event.Code("reason"); c.Name != "unknown" || c.Meaning != "unknown reason 9 for event 104" {
		t.Errorf("undocumented reason %+v", c)
	}
}

// TestCodeWordsKeepWhatAPageHas: a page queued by an earlier hook carries
// its words; they are kept, as is a field this hook does not know. The
// clearing event and a digest's examples are filled like the page's own.
func TestCodeWordsKeepWhatAPageHas(t *testing.T) {
	cat := catalogtest.New(t)
	old := alert.Code{Field: "reason", Label: "Reason", Value: 2, Name: "reason.timeout", Meaning: "Timed out (as once written)"}
	strange := alert.Code{Field: "flavour", Value: 3}
	bare := []alert.Code{{Field: "event", Value: 104}, {Field: "reason", Value: 2}}
	n := alert.Notification{
		Event:      alert.Event{Codes: []alert.Code{{Field: "event", Value: 104}, old, strange}},
		ResolvedBy: &alert.Event{Codes: append([]alert.Code(nil), bare...)},
		Digest:     &alert.Digest{Examples: []alert.DigestExample{{Event: alert.Event{Codes: append([]alert.Code(nil), bare...)}}}},
	}
	match.NewCodeWords(cat).Fill(&n)
	if n.Event.Codes[1] != old || n.Event.Codes[2] != strange {
		t.Errorf("kept %+v, %+v", n.Event.Codes[1], n.Event.Codes[2])
	}
	if n.Event.Codes[0].Meaning == "" {
		t.Errorf("the bare event code has no words: %+v", n.Event.Codes[0])
	}
	for what, e := range map[string]alert.Event{"clearing event": *n.ResolvedBy, "digest example": n.Digest.Examples[0].Event} {
		if c, _ := e.Code("reason"); c.Label != "Reason" || c.Name == "" || c.Meaning == "" {
			t.Errorf("%s: reason %+v", what, c)
		}
	}
}

// userLeft is a user's exit (event 104) for reason.
func userLeft(reason int) callback.Event {
	return callback.Event{AppID: "1400000001", Group: 1, Type: 104, RoomID: "8489", UserID: "u42", Role: 20,
		TerminalType: callback.Absent, UserType: callback.Absent, Reason: reason, Status: callback.Absent,
		LeaveCode: callback.Absent, RoomType: callback.Absent}
}
