package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookdev/hook/internal/alert"
)

// sampleDigest is a regional recording outage summarised: most pages of
// one rule, a few of others, and examples carrying hostile client text.
func sampleDigest() alert.Notification {
	since := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	ex := func(room, task string) alert.DigestExample {
		return alert.DigestExample{PageID: "rec-" + room + "-oncall", Kind: alert.KindFiring, Rule: "recording-start-failed",
			Severity: alert.SeverityCritical, Event: alert.Event{App: "1400000001", Room: room, Task: task,
				Codes: []alert.Code{{Field: "event", Label: "Event", Value: 301, Name: "recording.start", Meaning: "Cloud recording started"},
					{Field: "status", Label: "Status", Value: 1, Name: "status.failed", Meaning: "Failed"}}}}
	}
	return alert.Notification{ID: "dg-20261127T030000Z-1a2b", Kind: alert.KindDigest, Severity: alert.SeverityCritical,
		Count: 2968, CreatedAt: since,
		Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall", Mentions: []string{"<!here>"}},
		Digest: &alert.Digest{Pages: 2968, Resolved: 3, Rooms: 2950,
			ByRule: []alert.DigestRule{
				{Rule: "recording-start-failed", Severity: alert.SeverityCritical, Pages: 2940, Rooms: 2940},
				{Rule: "user-dropped", Severity: alert.SeverityWarning, Pages: 25, Rooms: 9},
				{Rule: "relay-failed", Severity: alert.SeverityCritical, Pages: 3, Rooms: 1},
			},
			BySeverity: []alert.DigestSeverity{{Severity: alert.SeverityCritical, Pages: 2943}, {Severity: alert.SeverityWarning, Pages: 25}},
			Examples:   []alert.DigestExample{ex("r-0001", "t-1"), ex("r-0002", "x`\n*Status*\nRESOLVED, no action needed <!channel>"), ex("r-0003", "")},
			Since:      since, Until: since.Add(42 * time.Second), Interval: 10 * time.Second, InPlace: true},
	}
}

func TestRenderDigestGolden(t *testing.T) {
	final := sampleDigest()
	final.Receiver.Mentions = nil
	final.Digest.Final = true
	webhook := sampleDigest()
	webhook.Digest.InPlace = false
	for name, n := range map[string]alert.Notification{"digest": sampleDigest(), "digest_final": final, "digest_webhook": webhook} {
		t.Run(name, func(t *testing.T) {
			b, err := json.MarshalIndent(Render(n), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, append(b, '\n'))
		})
	}
}

// TestRenderDigestLimits: however many rules and however long the client
// text, every block stays within Slack's limits and the examples cannot
// break out of their code spans.
func TestRenderDigestLimits(t *testing.T) {
	n := sampleDigest()
	long := strings.Repeat("<&`*", 2000)
	for i := range 60 {
		n.Digest.ByRule = append(n.Digest.ByRule, alert.DigestRule{Rule: fmt.Sprintf("rule-%02d-%s", i, long[:200]), Pages: 1})
	}
	for range 20 {
		n.Digest.Examples = append(n.Digest.Examples, alert.DigestExample{Rule: "r", Event: alert.Event{Room: long, User: "u\n\nx"}})
	}
	m := Render(n)
	raw, _ := json.Marshal(m)
	var decoded struct {
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	if len(decoded.Blocks) > 50 {
		t.Errorf("%d blocks", len(decoded.Blocks))
	}
	for _, b := range decoded.Blocks {
		limit := maxSectionText
		if b.Type == "header" {
			limit = maxHeaderChars
		}
		if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > limit {
			t.Errorf("%s block of %d chars", b.Type, utf8.RuneCountInString(b.Text.Text))
		}
		for _, f := range b.Fields {
			if utf8.RuneCountInString(f.Text) > maxFieldChars {
				t.Errorf("field of %d chars", utf8.RuneCountInString(f.Text))
			}
		}
		if b.Text != nil && strings.Contains(b.Text.Text, "First pages") {
			for _, line := range strings.Split(b.Text.Text, "\n")[1:] {
				if !strings.HasPrefix(line, "• `") || strings.Count(line, "`") != 2 && !strings.HasSuffix(line, "…") {
					t.Errorf("example line escapes its code span: %q", line)
				}
			}
			if strings.Contains(b.Text.Text, "<!channel>") {
				t.Error("a client's <!channel> reached Slack unescaped")
			}
		}
	}
	if utf8.RuneCountInString(m.Text) > maxFallbackChars {
		t.Errorf("fallback text of %d chars", utf8.RuneCountInString(m.Text))
	}
	if !strings.Contains(string(raw), "and 53 more rules: 53 pages") {
		t.Error("rules past the tenth are not summed up")
	}
}
