package notify

import (
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// ErrDeadLetterNotFound is returned when a dead letter to retry or drop does
// not exist (wrong id, or already retried or dropped).
var ErrDeadLetterNotFound = &alert.Error{Code: alert.ENOTFOUND, Reason: "not_found", Message: "no such dead letter"}

// DeadLetter is a notification that could not be delivered, with why.
type DeadLetter struct {
	// ID is the entry's id in the dead-letter stream.
	ID           string
	Notification alert.Notification
	// Raw holds an entry that could not be decoded, as it was stored.
	Raw      []byte
	Reason   string
	OutboxID string
	FailedAt time.Time
}

// OutboxStats describes the outbox for operators.
type OutboxStats struct {
	// Depth is how many pages wait (delivered pages are deleted).
	Depth int64
	// Pending is how many of them a consumer has taken and not yet acknowledged.
	Pending int64
	// OldestAge is how long the oldest waiting page has waited (0 when empty).
	OldestAge time.Duration
	// DeadLetters is how many pages sit in the dead-letter stream.
	DeadLetters int64
}
