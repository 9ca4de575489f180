package words

import (
	"os"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

func TestDigestWords(t *testing.T) {
	one := alert.Notification{ID: "dg-1", Kind: alert.KindDigest, Digest: &alert.Digest{Pages: 2968,
		ByRule: []alert.DigestRule{{Rule: "recording-start-failed", Pages: 2968, Rooms: 2968}}}}
	tests := []struct {
		name string
		n    func() alert.Notification
		want string
	}{
		{"one rule", func() alert.Notification { return one }, "2,968 more pages: recording-start-failed in 2,968 rooms"},
		{"final", func() alert.Notification {
			n := one
			d := *n.Digest
			d.Final = true
			n.Digest = &d
			return n
		}, "Flood over, 2,968 pages: recording-start-failed in 2,968 rooms"},
		{"one page", func() alert.Notification {
			return alert.Notification{Kind: alert.KindDigest, Digest: &alert.Digest{Pages: 1, ByRule: []alert.DigestRule{{Rule: "a", Pages: 1, Rooms: 1}}}}
		}, "1 more page: a in 1 room"},
		{"no rooms", func() alert.Notification {
			return alert.Notification{Kind: alert.KindDigest, Digest: &alert.Digest{Pages: 3, ByRule: []alert.DigestRule{{Pages: 3}}}}
		}, "3 more pages: (no rule)"},
		{"no digest", func() alert.Notification { return alert.Notification{Kind: alert.KindDigest} }, "more pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Title(tt.n()); got != tt.want {
				t.Errorf("Title = %q, want %q", got, tt.want)
			}
		})
	}
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRenderDigestTextGolden(t *testing.T) {
	since := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	n := alert.Notification{ID: "dg-20261127T030000Z-1a2b", Kind: alert.KindDigest, Severity: alert.SeverityCritical,
		Receiver: alert.Receiver{Name: "console", Kind: alert.ReceiverConsole, Mentions: []string{"<!here>"}},
		Digest: &alert.Digest{Pages: 2968, Rooms: 2968, Interval: 10 * time.Second,
			ByRule:     []alert.DigestRule{{Rule: "recording-start-failed", Severity: alert.SeverityCritical, Pages: 2968, Rooms: 2968}},
			BySeverity: []alert.DigestSeverity{{Severity: alert.SeverityCritical, Pages: 2968}},
			Examples: []alert.DigestExample{{PageID: "p1", Rule: "recording-start-failed", Severity: alert.SeverityCritical,
				Title: "Recording failed", Event: alert.Event{App: "1400000001", Room: "r1\x1b[2J", Task: "t1"}}},
			Since: since, Until: since.Add(30 * time.Second)}}
	got := []byte(RenderText(n))
	want, err := os.ReadFile("testdata/console_digest.golden")
	if *update {
		if err := os.WriteFile("testdata/console_digest.golden", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil || string(got) != string(want) {
		t.Errorf("console digest differs from testdata/console_digest.golden (run with -update if intended, err %v):\n--- got\n%s\n--- want\n%s", err, got, want)
	}
}
