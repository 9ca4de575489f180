package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// Sender delivers one notification to one kind of receiver. As in
// Alertmanager, retry reports whether a failed send is worth trying again:
// false for permanent failures (bad channel, revoked token), which go
// straight to the dead letters.
type Sender interface {
	Send(ctx context.Context, n alert.Notification) (retry bool, err error)
}

// RetryAfterError is a retryable failure for which the receiver said how long to
// wait (Slack's 429 Retry-After). The dispatcher waits at least After.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }
