package notify_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hookdev/hook/internal/notify"
	"github.com/hookdev/hook/internal/notify/words"
)

func TestConsoleSend(t *testing.T) {
	var buf bytes.Buffer
	c := notify.NewConsole(&buf)
	p := page("p1", "#oncall", "")
	if retry, err := c.Send(context.Background(), p); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	if want := words.RenderText(p) + "\n"; buf.String() != want {
		t.Errorf("console wrote\n%q\nwant\n%q", buf.String(), want)
	}
}

// A bytes.Buffer is not safe for concurrent use: without Console's mutex the
// race detector flags this test, and pages could interleave.
func TestConsoleConcurrentPages(t *testing.T) {
	var buf bytes.Buffer
	c := notify.NewConsole(&buf)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _, _ = c.Send(context.Background(), page("p1", "#oncall", "")) })
	}
	wg.Wait()
	if want := strings.Repeat(words.RenderText(page("p1", "#oncall", ""))+"\n", 20); buf.String() != want {
		t.Errorf("concurrent output is not 20 whole pages:\n%s", buf.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestConsoleWriteError(t *testing.T) {
	retry, err := notify.NewConsole(failWriter{}).Send(context.Background(), page("p1", "#oncall", ""))
	if err == nil || retry || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("Send = %v, %v; want permanent write error", retry, err)
	}
}
