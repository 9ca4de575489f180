package slack

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

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
				// A 104 carries no TerminalType (only 103 does): the
				// terminal comes from the user's entry, as enrichment.
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

func members(n int) []alert.Member {
	ms := make([]alert.Member, n)
	for i := range ms {
		ms[i] = alert.Member{Name: fmt.Sprintf("u%02d", i), Events: 1 + (n-i)%3}
	}
	return ms
}

func goldenPages() map[string]alert.Notification {
	critical := samplePage()

	warning := samplePage()
	warning.ID = "p-0002"
	warning.Severity = alert.SeverityWarning
	warning.Title = "Room quality degraded"
	warning.Receiver.Mentions = nil
	warning.Event.Codes = warning.Event.Codes[:1]

	resolved := samplePage()
	resolved.ID = "p-0003"
	resolved.Kind = alert.KindResolved
	resolved.Title = ""
	resolved.Text = ""
	resolved.ResolvedBy = &alert.Event{App: "1400000001", Room: "8489", User: "u42",
		Codes: []alert.Code{{Field: "event", Label: "Event", Value: 103, Name: "room.enter", Meaning: "User entered room"}},
		Time:  resolved.Event.Time.Add(90 * time.Second)}
	resolved.Receiver.Mentions = nil

	grouped := samplePage()
	grouped.ID = "p-0004"
	grouped.Count = 37
	grouped.Title = ""
	grouped.Text = ""
	grouped.Aggregate, grouped.MemberKind = true, alert.MembersUsers
	grouped.Members, grouped.MemberCount, grouped.Flush = members(12), 12, 1
	grouped.Receiver.Mentions = []string{"<!here>"}
	grouped.Runbook = &alert.Runbook{URL: "https://wiki.example.com/runbooks/room-drops"}

	update := grouped
	update.ID = "p-0005"
	update.Kind = alert.KindUpdate
	update.Severity = alert.SeverityInfo
	update.Receiver.Mentions = nil
	update.Members, update.MemberCount, update.MembersMore = members(20), 26, 6
	update.Count, update.Total, update.TotalMembers, update.Flush = 30, 67, 38, 2

	enriched := samplePage()
	enriched.ID = "p-0006"
	enriched.Receiver.Mentions = nil
	enriched.Enrichment = &alert.Enrichment{
		Events: []alert.ClientEvent{
			{Time: critical.Event.Time.Add(-5 * time.Second), Table: "sdk", ID: 5005, Name: "Connection to CVM timed out"},
			{Time: critical.Event.Time.Add(-2 * time.Second), Table: "sdk", ID: 32792, Name: "Media transmission channel has disconnected", PeerID: "bob"},
			{Time: critical.Event.Time.Add(-1 * time.Second), Table: "sdk", ID: 1003, Name: "Network type changed",
				Undocumented: true, Param1: 9, Param2: -1},
		},
		EventsOmitted: 3,
		Experiences: []alert.Experience{{Time: critical.Event.Time, UserID: "u42", ID: 1, Name: "Room entry was slow",
			Causes: []alert.Cause{{ID: 1013, Name: "The room entry request timed out"}}}},
		CommID: "1400000001_8489_1795750000",
		// What the user's 103 said, and what DescribeCallDetailInfo reported.
		Client: &alert.ClientInfo{Terminal: "Android", UserType: "Native SDK", SDKVersion: "11.4.0.1234",
			Device: "Pixel 7", OS: "Android 14", Network: "Wi-Fi"},
		Missing: []alert.Missing{{Data: "call_detail", Reason: "RequestLimitExceeded"}},
	}

	// A room outage: a relative threshold that waited for recovery, whose
	// members carry their own role and reason, with the rule's runbook.
	outage := samplePage()
	outage.ID = "p-0007"
	outage.Rule = "room-outage"
	outage.Title = alert.CountMark + " users dropped out of room 8489"
	outage.Text = ""
	outage.Count = 9
	outage.Aggregate, outage.MemberKind = true, alert.MembersUsers
	outage.Members = []alert.Member{
		{Name: "anchor1", Events: 1, Role: "Anchor", Reason: "Timeout"},
		{Name: "v01", Events: 2, Role: "Audience", Reason: "Timeout"},
		{Name: "v02", Events: 1, Role: "Audience", Reason: "Force-closed"},
		{Name: "v03", Events: 1, Role: "Audience", Reason: "Timeout"},
		{Name: "v04", Events: 1, Role: "Audience", Reason: "Timeout"},
	}
	outage.MemberCount, outage.MembersMore = 7, 2
	outage.Why = &alert.Why{Need: 3, Share: 0.5, Of: "room", Within: 40 * time.Second, For: 20 * time.Second,
		Dropped: 7, Away: 6, Population: 9}
	outage.Runbook = &alert.Runbook{URL: "https://trtc.io/document/40085?platform=web&product=rtcengine",
		Text: "Check the region's network first; if every user of the room dropped, look for a TRTC incident."}
	outage.Receiver.Mentions = []string{"<!here>"}

	// An anchor gone for longer than `for`, with enrichment that failed.
	pending := samplePage()
	pending.ID = "p-0008"
	pending.Rule = "anchor-gone"
	pending.Title = "Anchor u42 gone from room 8489"
	pending.Text = ""
	pending.Receiver.Mentions = nil
	pending.Why = &alert.Why{For: 30 * time.Second}
	pending.Runbook = &alert.Runbook{Text: "Call the anchor's producer; the stream is down for the whole room."}
	pending.Enrichment = &alert.Enrichment{Missing: []alert.Missing{{Data: "call_quality", Reason: "AuthFailure"}, {Data: "room", Reason: "timeout"}}}

	return map[string]alert.Notification{
		"enriched":        enriched,
		"firing_critical": critical,
		"warning":         warning,
		"resolved":        resolved,
		"grouped":         grouped,
		"update":          update,
		"outage":          outage,
		"pending":         pending,
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/notify -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from golden (run with -update if intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestRenderSlackGolden(t *testing.T) {
	for name, p := range goldenPages() {
		t.Run(name, func(t *testing.T) {
			b, err := json.MarshalIndent(Render(p), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, append(b, '\n'))
		})
	}
}

// TestRenderSlackButtonsGolden pins the page with its Acknowledge / Silence
// buttons (bot-token mode with SLACK_SIGNING_SECRET), and the dead-letter
// fallback note; resolved pages get no buttons.
func TestRenderSlackButtonsGolden(t *testing.T) {
	p := samplePage()
	p.Note = "undelivered to oncall: expired"
	b, err := json.MarshalIndent(Render(p, WithButtons()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "firing_buttons", append(b, '\n'))
	resolved := samplePage()
	resolved.Kind = alert.KindResolved
	for _, blk := range Render(resolved, WithButtons()).Blocks {
		if blk.BlockType() == "actions" {
			t.Error("a resolved page has buttons")
		}
	}
}

func TestRenderSlackStructure(t *testing.T) {
	all := samplePage()
	all.Event.Task, all.Event.ErrorCode, all.Event.ErrorMessage, all.Event.URL = "t1", "70001", "upload failed", "https://x"
	all.Event.Codes = append(all.Event.Codes,
		alert.Code{Field: "user_type", Label: "User type", Value: 0, Meaning: "Normal user"},
		alert.Code{Field: "status", Label: "Status", Value: 1, Meaning: "Failed"},
		alert.Code{Field: "leave_code", Label: "Leave code", Value: 3, Meaning: "Left"})
	bare := samplePage()
	bare.Event.Codes = append(bare.Event.Codes, alert.Code{Field: "status", Value: 7})
	tests := []struct {
		name       string
		page       alert.Notification
		wantBlocks []string // block types in order
		wantFields []int    // fields per section
	}{
		{"no fields", alert.Notification{Rule: "r", Title: "t"}, []string{"header", "context"}, nil},
		// text, next steps (the console link), fields; no codes block: the
		// fields say every code.
		{"a page", samplePage(), []string{"header", "section", "section", "section", "context"}, []int{7}},
		{"every field", all, []string{"header", "section", "section", "section", "section", "context"}, []int{10, 3}},
		{"a code without words", bare, []string{"header", "section", "section", "section", "section", "context"}, []int{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			var fields []int
			for _, b := range Render(tt.page).Blocks {
				got = append(got, string(b.BlockType()))
			}
			raw, _ := json.Marshal(Render(tt.page))
			var decoded struct {
				Blocks []struct {
					Fields []json.RawMessage `json:"fields"`
				} `json:"blocks"`
			}
			if err := json.Unmarshal(raw, &decoded); err != nil {
				t.Fatal(err)
			}
			for _, b := range decoded.Blocks {
				if len(b.Fields) > 0 {
					fields = append(fields, len(b.Fields))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantBlocks) {
				t.Errorf("blocks = %v, want %v", got, tt.wantBlocks)
			}
			if fmt.Sprint(fields) != fmt.Sprint(tt.wantFields) {
				t.Errorf("fields per section = %v, want %v", fields, tt.wantFields)
			}
		})
	}
}

func TestRenderEscapesUserInput(t *testing.T) {
	p := samplePage()
	p.Title = "User <!channel> left"
	p.Text = "User `<!channel>` left room `<@U999>` & more"
	p.Event.User, p.Event.Room = "<!everyone>", "<https://evil|click>"
	p.Event.Codes = []alert.Code{{Field: "reason", Label: "Reason", Value: 9, Name: "x`<!here>", Meaning: "<!here>"}}
	p.Rule = "r<!here>"
	p.Receiver.Mentions = []string{"<!here>", "@oncall <!channel>"}

	m := Render(p)
	// Slack parses markup in mrkdwn objects and the fallback text; plain_text
	// (the header) is shown literally, so only the former are checked.
	raw, _ := json.Marshal(m)
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	texts := []string{m.Text}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" {
				texts = append(texts, v["text"].(string))
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
	all := strings.Join(texts, "\n")
	for _, bad := range []string{"<!channel>", "<!everyone>", "<@U999>", "<https://evil"} {
		if strings.Contains(all, bad) {
			t.Errorf("rendered mrkdwn contains live %q:\n%s", bad, all)
		}
	}
	// The only live token left is the configured <!here>, first in the text.
	if n := strings.Count(all, "<!here>"); n != 1 {
		t.Errorf("live <!here> appears %d times, want 1:\n%s", n, all)
	}
	if !strings.Contains(all, "<!here> @oncall &lt;!channel&gt; User") {
		t.Errorf("mentions not prefixed as expected:\n%s", all)
	}
	if !strings.Contains(m.Text, "&lt;!channel&gt;") || strings.Contains(m.Text, "<") {
		t.Errorf("fallback text not escaped: %q", m.Text)
	}
}

func TestFallbackText(t *testing.T) {
	p := samplePage()
	tests := []struct {
		name string
		edit func(*alert.Notification)
		want string
	}{
		{"critical", func(*alert.Notification) {}, "[CRITICAL] User left room by timeout — app 1400000001 room 8489 user u42"},
		{"resolved", func(p *alert.Notification) { p.Kind = alert.KindResolved }, "[RESOLVED] User left room by timeout — app 1400000001 room 8489 user u42"},
		{"grouped", func(p *alert.Notification) { p.Count = 37; p.Severity = alert.SeverityWarning }, "[WARNING] User left room by timeout — app 1400000001 room 8489 user u42 (37 events)"},
		{"aggregate names no user", func(p *alert.Notification) { p.Aggregate = true; p.Count = 3 }, "[CRITICAL] User left room by timeout — app 1400000001 room 8489 (3 events)"},
		{"default title", func(p *alert.Notification) { p.Title = "" }, "[CRITICAL] User left room: Timeout — app 1400000001 room 8489 user u42"},
		{"no fields, no title", func(p *alert.Notification) { p.Event = alert.Event{}; p.Title = "" }, "[CRITICAL] member-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := p
			tt.edit(&q)
			if got := FallbackText(q); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTruncateLongTitle(t *testing.T) {
	p := samplePage()
	p.Title = strings.Repeat("é", 400)
	raw, _ := json.Marshal(Render(p).Blocks[0])
	var h struct {
		Text struct{ Text string } `json:"text"`
	}
	_ = json.Unmarshal(raw, &h)
	if n := len([]rune(h.Text.Text)); n != maxHeaderChars {
		t.Errorf("header is %d runes, want %d", n, maxHeaderChars)
	}
}

// sectionTexts are the texts of a message's section blocks, in order.
func sectionTexts(t *testing.T, m Message) []string {
	t.Helper()
	var doc struct {
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(marshal(t, m), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range doc.Blocks {
		if b.Type == "section" && b.Text != nil {
			out = append(out, b.Text.Text)
		}
	}
	return out
}

// TestRenderNextSteps pins how a page says why now and what to do next:
// the why-now line under the text, the runbook as a link with its text,
// the console link with the CommId, and what enrichment could not get.
func TestRenderNextSteps(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*alert.Notification)
		opts    []RenderOption
		want    []string // each in some section's text
		notWant []string
	}{
		{"why now", func(n *alert.Notification) {
			n.Why = &alert.Why{Within: 40 * time.Second, For: 20 * time.Second, Dropped: 7, Away: 6, Population: 9}
		}, nil, []string{"left room `8489`: timeout\n*Why now:* 7 of 9 users dropped within 40s; 6 still away after 20s"}, nil},
		{"runbook link and text, escaped", func(n *alert.Notification) {
			n.Runbook = &alert.Runbook{URL: "https://wiki.example.com/rb?a=1&b=2", Text: "Page <!channel> & *check* the CDN"}
		}, nil, []string{":book: *Runbook:* Page &lt;!channel&gt; &amp; *check* the CDN <https://wiki.example.com/rb?a=1&amp;b=2|wiki.example.com/rb?a=1&amp;b=2>"},
			[]string{"<!channel>"}},
		{"runbook text only", func(n *alert.Notification) { n.Runbook = &alert.Runbook{Text: "Call the producer."} }, nil,
			[]string{":book: *Runbook:* Call the producer.\n:mag: "}, nil},
		{"a runbook that is no link stays text-less", func(n *alert.Notification) {
			n.Runbook = &alert.Runbook{URL: "javascript:alert(1)"}
		}, nil, nil, []string{"Runbook", "javascript"}},
		{"no runbook on a resolved page", func(n *alert.Notification) {
			n.Kind, n.Runbook = alert.KindResolved, &alert.Runbook{Text: "Call the producer."}
		}, nil, nil, []string{"Runbook"}},
		{"console link with CommId", func(n *alert.Notification) {
			n.Enrichment = &alert.Enrichment{CommID: "1400000001_8489_1795750000"}
		}, nil, []string{":mag: <https://console.cloud.tencent.com/trtc/monitor/call-details?commId=1400000001_8489_1795750000&amp;createTime=1795750000&amp;roomNum=8489&amp;sdkAppid=1400000001|Call quality in the TRTC console> · CommId `1400000001_8489_1795750000`"}, nil},
		{"international console", func(*alert.Notification) {}, []RenderOption{WithTRTCConsole("https://console.trtc.io/monitor")},
			[]string{"<https://console.trtc.io/monitor?endTs="}, []string{"console.cloud.tencent.com"}},
		{"missing data", func(n *alert.Notification) {
			n.Enrichment = &alert.Enrichment{Missing: []alert.Missing{{Data: "call_quality", Reason: "AuthFailure"}}}
		}, nil, []string{"*What the client saw*\n• _call-quality data unavailable: AuthFailure_"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := samplePage()
			n.Receiver.Mentions = nil
			tt.edit(&n)
			m := Render(n, tt.opts...)
			all := strings.Join(sectionTexts(t, m), "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("no %q in\n%s", w, all)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(all, w) {
					t.Errorf("%q in\n%s", w, all)
				}
			}
			checkMessage(t, tt.name, marshal(t, m))
		})
	}
}

// TestWhyNowSurvivesALongText: the text gives way, not the why-now line.
func TestWhyNowSurvivesALongText(t *testing.T) {
	n := samplePage()
	n.Text = strings.Repeat("<", 3000)
	n.Why = &alert.Why{For: 30 * time.Second}
	m := Render(n)
	if texts := sectionTexts(t, m); len(texts) == 0 || !strings.HasSuffix(texts[0], "…\n*Why now:* not back within 30s") {
		t.Errorf("why-now line lost: %.200q", texts)
	}
	checkMessage(t, "long text", marshal(t, m))
}
