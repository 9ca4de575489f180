package notify

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// samplePage is a firing critical page as the rules engine would make it.
func samplePage() Page {
	eventTime := time.Date(2026, 11, 27, 3, 49, 12, 0, time.UTC)
	return Page{
		ID:       "p-0001",
		Kind:     KindFiring,
		Rule:     "member-timeout",
		Severity: SeverityCritical,
		Title:    "User left room by timeout",
		Text:     "User `u42` left room `8489`: timeout",
		Fields: []Field{
			{Name: "App", Value: "1400000001"},
			{Name: "Room", Value: "8489"},
			{Name: "User", Value: "u42"},
			{Name: "Role", Value: "anchor"},
			{Name: "Terminal", Value: "Android"},
			{Name: "Reason", Value: "timeout"},
		},
		Codes: []Code{
			{Field: "event", Value: 104, Name: "event.exit_room", Meaning: "Member left the room"},
			{Field: "reason", Value: 2, Name: "reason.timeout", Meaning: "Timeout"},
		},
		Incident:  "1400000001/8489",
		Count:     1,
		EventTime: eventTime,
		CreatedAt: eventTime.Add(2 * time.Second),
		Receiver: Receiver{Name: "oncall", Kind: ReceiverSlack, Channel: "#oncall",
			Mentions: []string{"<!here>", "<@U123ABC>", "<!subteam^S0PS>"}},
	}
}

func goldenPages() map[string]Page {
	critical := samplePage()

	warning := samplePage()
	warning.ID = "p-0002"
	warning.Severity = SeverityWarning
	warning.Title = "Room quality degraded"
	warning.Receiver.Mentions = nil
	warning.Codes = warning.Codes[:1]

	resolved := samplePage()
	resolved.ID = "p-0003"
	resolved.Kind = KindResolved
	resolved.Title = "Room 8489 is healthy again"
	resolved.Text = "No timeouts in room `8489` for 10 minutes."
	resolved.Receiver.Mentions = nil
	resolved.Codes = nil

	grouped := samplePage()
	grouped.ID = "p-0004"
	grouped.Count = 37
	grouped.Title = "Users leaving room by timeout"
	grouped.Receiver.Mentions = []string{"<!here>"}

	many := samplePage()
	many.ID = "p-0005"
	many.Severity = SeverityInfo
	many.Receiver.Mentions = nil
	for i := len(many.Fields); i < 23; i++ {
		many.Fields = append(many.Fields, Field{Name: fmt.Sprintf("Extra%02d", i), Value: fmt.Sprint(i * 7)})
	}

	return map[string]Page{
		"firing_critical": critical,
		"warning":         warning,
		"resolved":        resolved,
		"grouped":         grouped,
		"many_fields":     many,
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
			b, err := json.MarshalIndent(RenderSlack(p), "", "  ")
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
	b, err := json.MarshalIndent(RenderSlack(p, WithButtons()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "firing_buttons", append(b, '\n'))
	resolved := samplePage()
	resolved.Kind = KindResolved
	for _, blk := range RenderSlack(resolved, WithButtons()).Blocks {
		if blk.BlockType() == "actions" {
			t.Error("a resolved page has buttons")
		}
	}
}

func TestRenderTextGolden(t *testing.T) {
	checkGolden(t, "console", []byte(RenderText(samplePage())))
}

func TestRenderSlackStructure(t *testing.T) {
	tests := []struct {
		name       string
		fields     int
		wantBlocks []string // block types in order
		wantFields []int    // fields per section
	}{
		{"no fields", 0, []string{"header", "section", "section", "context"}, nil},
		{"ten fields", 10, []string{"header", "section", "section", "section", "context"}, []int{10}},
		{"eleven fields", 11, []string{"header", "section", "section", "section", "section", "context"}, []int{10, 1}},
		{"too many fields", 200, []string{"header", "section", "section", "section", "section", "section", "section", "context"}, []int{10, 10, 10, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := samplePage()
			p.Fields = nil
			for i := range tt.fields {
				p.Fields = append(p.Fields, Field{Name: fmt.Sprint("F", i), Value: "v"})
			}
			var got []string
			var fields []int
			for _, b := range RenderSlack(p).Blocks {
				got = append(got, string(b.BlockType()))
			}
			raw, _ := json.Marshal(RenderSlack(p))
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
	p.Fields = []Field{{Name: "User", Value: "<!everyone>"}, {Name: "Room", Value: "<https://evil|click>"}}
	p.Codes = []Code{{Field: "reason", Value: 9, Name: "x`<!here>", Meaning: "<!here>"}}
	p.Rule = "r<!here>"
	p.Receiver.Mentions = []string{"<!here>", "@oncall <!channel>"}

	m := RenderSlack(p)
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
		edit func(*Page)
		want string
	}{
		{"critical", func(*Page) {}, "[CRITICAL] User left room by timeout — app 1400000001 room 8489 user u42"},
		{"resolved", func(p *Page) { p.Kind = KindResolved }, "[RESOLVED] User left room by timeout — app 1400000001 room 8489 user u42"},
		{"grouped", func(p *Page) { p.Count = 37; p.Severity = SeverityWarning }, "[WARNING] User left room by timeout — app 1400000001 room 8489 user u42 (37 events)"},
		{"no fields, no title", func(p *Page) { p.Fields = nil; p.Title = "" }, "[CRITICAL] member-timeout"},
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

func TestRenderTextNeutralisesControlChars(t *testing.T) {
	p := samplePage()
	p.Fields = []Field{{Name: "User", Value: "u42\n[CRITICAL] forged\x1b[2J"}}
	s := RenderText(p)
	if strings.Contains(s, "\n[CRITICAL] forged") || strings.Contains(s, "\x1b") {
		t.Errorf("control characters survived:\n%q", s)
	}
}

func TestTruncateLongTitle(t *testing.T) {
	p := samplePage()
	p.Title = strings.Repeat("é", 400)
	raw, _ := json.Marshal(RenderSlack(p).Blocks[0])
	var h struct {
		Text struct{ Text string } `json:"text"`
	}
	_ = json.Unmarshal(raw, &h)
	if n := len([]rune(h.Text.Text)); n != maxHeaderChars {
		t.Errorf("header is %d runes, want %d", n, maxHeaderChars)
	}
}
