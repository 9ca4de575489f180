package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/notify/words"
)

// TestCountIsThePagesCount: {{.Count}} in the title or text of a threshold
// or group rule is written by notify as the number of members the page
// lists; comparisons and keys still see the threshold's count.
func TestCountIsThePagesCount(t *testing.T) {
	tests := []struct {
		name      string
		rule      string
		wantTitle string // as the page shows it, with members u1..u7 listed
		wantText  string
	}{
		{"plain template, threshold", `
    threshold: {count: 3, within: 1m}
    title: "{{.Count}} users dropped out of {{.Room}}"
    text: "{{.Count}} of them"`, "7 users dropped out of 8489", "7 of them"},
		{"executed template, threshold", `
    threshold: {count: 3, within: 1m}
    title: "{{.Count}} users dropped out of {{.Room | upper}}"
    text: "{{if ge .Count 3}}at least {{printf \"%d\" .Count}} needed; {{.Count}} dropped{{end}} ({{describe .}})"`,
			"7 users dropped out of 8489", "at least 3 needed; 7 dropped (User `u42` left room `8489`: Removed from the room)"},
		{"group", `
    group_by: [room]
    title: "{{.Count}} users left {{.Room}}"`, "7 users left 8489", ""},
		{"not aggregated: one event", `
    title: "{{.Count}} user left {{.Room}}"`, "1 user left 8489", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := mustCompile(t, "rules:\n  - name: r\n    match: {event: room.exit}"+tt.rule+"\n")
			f := match.NewFacts(catalogtest.New(t), callbacktest.Exit(3))
			as := Alerts(rs, &f, time.Unix(1700000000, 0))
			if len(as) != 1 {
				t.Fatalf("%d alerts", len(as))
			}
			n := as[0].Notification
			if n.Aggregate {
				// What the store adds when it pages: who, and how many.
				for i := range 5 {
					n.Members = append(n.Members, alert.Member{Name: "u" + string(rune('1'+i)), Events: 1})
				}
				n.MemberCount, n.MembersMore = 5, 2
			}
			if got := words.Title(n); got != tt.wantTitle {
				t.Errorf("title %q, want %q", got, tt.wantTitle)
			}
			if tt.wantText != "" {
				if got := words.Text(n); got != tt.wantText {
					t.Errorf("text %q, want %q", got, tt.wantText)
				}
			}
			if strings.Contains(as[0].DedupKey, alert.CountMark) || strings.Contains(as[0].StateKey, alert.CountMark) {
				t.Errorf("a key holds the mark: %q %q", as[0].DedupKey, as[0].StateKey)
			}
		})
	}
	// A client cannot forge the mark: its control characters are made inert.
	rs := mustCompile(t, "rules:\n  - name: r\n    match: {event: room.exit}\n    threshold: {count: 3, within: 1m}\n    title: \"{{.User}} and {{.Count}} more\"\n")
	ev := callbacktest.Exit(3)
	ev.UserID = alert.CountMark
	f := match.NewFacts(catalogtest.New(t), ev)
	n := Alerts(rs, &f, time.Unix(1700000000, 0))[0].Notification
	if got := strings.Count(n.Title, alert.CountMark); got != 1 {
		t.Errorf("title %q holds the mark %d times, want 1", n.Title, got)
	}
}
