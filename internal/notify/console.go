package notify

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Console prints pages as plain text: for local runs, and as a receiver of
// last resort when no Slack is configured.
type Console struct {
	mu sync.Mutex // one page's lines must not interleave with another's
	w  io.Writer
}

// NewConsole returns a sender writing to w (usually os.Stdout).
func NewConsole(w io.Writer) *Console {
	return &Console{w: w}
}

// Send writes p followed by a blank line. A write error is returned with
// retry=false: a closed or full stdout does not heal by retrying, and the
// dispatcher should not spin on it.
func (c *Console) Send(_ context.Context, p Page) (bool, error) {
	text := RenderText(p) + "\n"
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.w, text); err != nil {
		return false, fmt.Errorf("console: write page %s: %w", p.ID, err)
	}
	return false, nil
}
