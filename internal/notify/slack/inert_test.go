package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/alert"
)

// forged is client text written to change how a page reads: it closes the
// code span around it, starts new lines, and bolds a fake status.
const forged = "x`\n*Status*\nRESOLVED, no action needed"

// text is a text of a message; Slack reads markup in mrkdwn only.
type text struct {
	s      string
	mrkdwn bool
}

// mrkdwnTexts lists the message's fallback text and every text object.
func mrkdwnTexts(t *testing.T, m Message) []text {
	t.Helper()
	var doc any
	if err := json.Unmarshal(marshal(t, m), &doc); err != nil {
		t.Fatal(err)
	}
	texts := []text{{m.Text, true}}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" || v["type"] == "plain_text" {
				texts = append(texts, text{v["text"].(string), v["type"] == "mrkdwn"})
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return texts
}

// live reports whether needle occurs in s outside a code span.
func live(s, needle string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], needle)
		if j < 0 {
			return false
		}
		if strings.Count(s[:i+j], "`")%2 == 0 {
			return true
		}
		i += j + len(needle)
	}
}

// TestClientTextCannotForgePageStructure puts the forged text in every value
// a TRTC client controls, and in a rule's title and text as its templates
// render them, and checks that no text of the page gains a line or live
// markup from it.
func TestClientTextCannotForgePageStructure(t *testing.T) {
	benign := samplePage()
	benign.Event.Task, benign.Event.ErrorCode, benign.Event.ErrorMessage, benign.Event.URL = "t1", "70001", "upload failed", "https://x"
	hostile := benign
	ev := &hostile.Event
	ev.App, ev.Room, ev.User, ev.Task, ev.ErrorCode, ev.ErrorMessage, ev.URL = forged, forged, forged, forged, forged, forged, forged
	hostile.Incident = forged + "/" + forged
	// What the client reported of itself, and the CommId TRTC builds from
	// the client's room id.
	benign.Enrichment = &alert.Enrichment{CommID: "1400000001_8489_1795750000",
		Client:      &alert.ClientInfo{SDKVersion: "11.4", Device: "Pixel 7", OS: "Android 14", Network: "Wi-Fi"},
		Missing:     []alert.Missing{{Data: "call_quality", Reason: "AuthFailure"}},
		Events:      []alert.ClientEvent{{ID: 5005, Name: "Connection to CVM timed out", PeerID: "bob"}},
		Experiences: []alert.Experience{{ID: 1, Name: "Room entry was slow", UserID: "u42"}}}
	hostile.Enrichment = &alert.Enrichment{CommID: forged,
		Client:      &alert.ClientInfo{SDKVersion: forged, Device: forged, OS: forged, Network: forged},
		Missing:     []alert.Missing{{Data: "call_quality", Reason: forged}},
		Events:      []alert.ClientEvent{{ID: 5005, Name: "Connection to CVM timed out", PeerID: forged}},
		Experiences: []alert.Experience{{ID: 1, Name: "Room entry was slow", UserID: forged}}}
	// A rule's title and text as rules renders them: the operator's words
	// around client values made inline.
	hostile.Title = "User " + alert.Inert(forged) + " left"
	hostile.Text = "User `" + alert.Inert(forged) + "` left room " + alert.Inert(forged)
	benign.Title, benign.Text = "User u42 left", "User `u42` left room 8489"

	aggregate := func(p alert.Notification) alert.Notification {
		p.Aggregate, p.MemberKind, p.Text = true, alert.MembersUsers, ""
		p.Members = []alert.Member{{Name: p.Event.User, Events: 2, Role: "Anchor", Reason: "Timeout"}, {Name: "u2", Events: 1, Role: "Audience", Reason: "Timeout"}}
		p.MemberCount = 2
		return p
	}
	resolved := func(p alert.Notification) alert.Notification {
		p.Kind, p.Text = alert.KindResolved, ""
		e := p.Event
		p.ResolvedBy = &e
		return p
	}
	defaultWords := func(p alert.Notification) alert.Notification {
		p.Title, p.Text = "", ""
		return p
	}
	cases := map[string]func(alert.Notification) alert.Notification{
		"rule's words":  func(p alert.Notification) alert.Notification { return p },
		"default words": defaultWords,
		"aggregate":     aggregate,
		"resolved":      resolved,
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			want := mrkdwnTexts(t, Render(edit(benign), WithButtons()))
			got := mrkdwnTexts(t, Render(edit(hostile), WithButtons()))
			if len(got) != len(want) {
				t.Fatalf("%d texts, want %d as for a benign page:\n%v", len(got), len(want), got)
			}
			for i, x := range got {
				s := x.s
				if n, w := strings.Count(s, "\n"), strings.Count(want[i].s, "\n"); n != w {
					t.Errorf("text %d has %d line breaks, want %d: %q", i, n, w, s)
				}
				for _, bad := range []string{"*Status*", "\nRESOLVED"} {
					if x.mrkdwn && live(s, bad) {
						t.Errorf("text %d has live %q: %q", i, bad, s)
					}
				}
				if strings.Count(s, "`")%2 != 0 {
					t.Errorf("text %d leaves a code span open: %q", i, s)
				}
			}
		})
	}
}
