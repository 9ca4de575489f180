package notify

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"strings"
	"sync"
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
				{Field: "terminal", Label: "Terminal", Value: 2, Name: "terminal.android", Meaning: "Android"},
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

func TestRenderTextGolden(t *testing.T) {
	got := []byte(RenderText(samplePage()))
	want, err := os.ReadFile("testdata/console.golden")
	if *update {
		if err := os.WriteFile("testdata/console.golden", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil || string(got) != string(want) {
		t.Errorf("console page differs from testdata/console.golden (run with -update if intended, err %v):\n--- got\n%s\n--- want\n%s", err, got, want)
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

func TestConsoleSend(t *testing.T) {
	var buf bytes.Buffer
	c := NewConsole(&buf)
	p := samplePage()
	if retry, err := c.Send(context.Background(), p); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	if want := RenderText(p) + "\n"; buf.String() != want {
		t.Errorf("console wrote\n%q\nwant\n%q", buf.String(), want)
	}
}

// A bytes.Buffer is not safe for concurrent use: without Console's mutex the
// race detector flags this test, and pages could interleave.
func TestConsoleConcurrentPages(t *testing.T) {
	var buf bytes.Buffer
	c := NewConsole(&buf)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _, _ = c.Send(context.Background(), samplePage()) })
	}
	wg.Wait()
	if want := strings.Repeat(RenderText(samplePage())+"\n", 20); buf.String() != want {
		t.Errorf("concurrent output is not 20 whole pages:\n%s", buf.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestConsoleWriteError(t *testing.T) {
	retry, err := NewConsole(failWriter{}).Send(context.Background(), samplePage())
	if err == nil || retry || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("Send = %v, %v; want permanent write error", retry, err)
	}
}
