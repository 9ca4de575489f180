package words

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// samplePage is a firing critical page as the rules would make it.
func samplePage() alert.Notification {
	eventTime := time.Date(2026, 11, 27, 3, 49, 12, 0, time.UTC)
	return alert.Notification{
		ID:       "p-0001",
		Kind:     alert.KindFiring,
		Rule:     "member-timeout",
		Severity: alert.SeverityCritical,
		Title:    "User left room by timeout",
		Text:     "User `u42` left room `8489`: timeout",
		Event: alert.Event{
			App: "1400000001", Room: "8489", User: "u42",
			Codes: []alert.Code{
				{Field: "event", Label: "Event", Value: 104, Name: "room.exit", Meaning: "User left room"},
				{Field: "reason", Label: "Reason", Value: 2, Name: "reason.timeout", Meaning: "Timeout"},
				{Field: "role", Label: "Role", Value: 20, Name: "role.anchor", Meaning: "Anchor"},
				// A 104 carries no TerminalType (only 103 does).
			},
			Time: eventTime,
		},
		Incident:  "1400000001/8489",
		Count:     1,
		CreatedAt: eventTime.Add(2 * time.Second),
		Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall",
			Mentions: []string{"<!here>", "<@U123ABC>", "<!subteam^S0PS>"}},
	}
}

// outagePage is a room outage: a relative threshold that waited for
// recovery, its members with their own role and reason, the rule's
// runbook, and the enrichment of the call with what could not be had.
func outagePage() alert.Notification {
	p := samplePage()
	p.ID, p.Rule = "p-0007", "room-outage"
	p.Title, p.Text = alert.CountMark+" users dropped out of room 8489", ""
	p.Count = 9
	p.Aggregate, p.MemberKind = true, alert.MembersUsers
	p.Members = []alert.Member{
		{Name: "anchor1", Events: 1, Role: "Anchor", Reason: "Timeout"},
		{Name: "v01", Events: 2, Role: "Audience", Reason: "Timeout"},
		{Name: "v02", Events: 1, Role: "Audience", Reason: "Timeout"},
	}
	p.MemberCount, p.MembersMore = 7, 4
	p.Why = &alert.Why{Need: 3, Share: 0.5, Of: "room", Within: 40 * time.Second, For: 20 * time.Second, Dropped: 7, Away: 6, Population: 9}
	p.Runbook = &alert.Runbook{URL: "https://wiki.example.com/runbooks/room-outage", Text: "Check the region's network first."}
	p.Enrichment = &alert.Enrichment{CommID: "1400000001_8489_1795750000",
		Missing: []alert.Missing{{Data: "call_quality", Reason: "AuthFailure"}}}
	return p
}

// enrichedPage is one user's drop with what their client reported.
func enrichedPage() alert.Notification {
	p := samplePage()
	p.ID = "p-0006"
	p.Enrichment = &alert.Enrichment{
		Events: []alert.ClientEvent{{Time: p.Event.Time.Add(-time.Second), Table: "sdk", ID: 1003, Name: "Network type changed",
			Undocumented: true, Param1: 9, Param2: -1}},
		CommID: "1400000001_8489_1795750000",
		Client: &alert.ClientInfo{Terminal: "Android", UserType: "Native SDK", SDKVersion: "11.4.0.1234", Device: "Pixel 7", OS: "Android 14", Network: "Wi-Fi"},
	}
	return p
}

func TestRenderTextGolden(t *testing.T) {
	for file, p := range map[string]alert.Notification{
		"console":          samplePage(),
		"console_outage":   outagePage(),
		"console_enriched": enrichedPage(),
	} {
		t.Run(file, func(t *testing.T) {
			path := "testdata/" + file + ".golden"
			got := []byte(RenderText(p))
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil || string(got) != string(want) {
				t.Errorf("console page differs from %s (run with -update if intended, err %v):\n--- got\n%s\n--- want\n%s", path, err, got, want)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestRenderTextNeutralisesControlChars(t *testing.T) {
	p := samplePage()
	p.Event.User = "u42\n[CRITICAL] forged\x1b[2J"
	s := RenderText(p)
	if strings.Contains(s, "\n[CRITICAL] forged") || strings.Contains(s, "\x1b") {
		t.Errorf("control characters survived:\n%q", s)
	}
}
