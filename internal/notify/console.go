package notify

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// Console prints pages as plain text: for local runs, and as a receiver of
// last resort when no Slack is configured.
type Console struct {
	mu sync.Mutex // one page's lines must not interleave with another's
	w  io.Writer
	// TRTCConsole is the base of the pages' TRTC console link (see
	// words.WithTRTCConsole); "" is words.DefaultTRTCConsole.
	TRTCConsole string
}

// NewConsole returns a sender writing to w (usually os.Stdout).
func NewConsole(w io.Writer) *Console {
	return &Console{w: w}
}

// Send writes n followed by a blank line. A write error is returned with
// retry=false: a closed or full stdout does not heal by retrying, and the
// dispatcher should not spin on it.
func (c *Console) Send(_ context.Context, n alert.Notification) (bool, error) {
	text := words.RenderText(n, words.WithTRTCConsole(c.TRTCConsole)) + "\n"
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.w, text); err != nil {
		return false, fmt.Errorf("console: write page %s: %w", n.PageID(), err)
	}
	return false, nil
}
