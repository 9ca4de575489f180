package alert

import "time"

// What the outbox hands its consumer (notify) and keeps for operators. They
// are the domain's, not storage's nor notify's, so that neither of the two
// imports the other: the outbox returns them and notify declares the
// interfaces that take them.

// Delivery is one outbox entry: the stream id and the notification. Err is
// set, with Raw holding the entry, when it could not be decoded: then it is
// dead-lettered, not lost and not stuck.
type Delivery struct {
	ID           string
	Notification Notification
	Err          error
	Raw          []byte
}

// ErrDeadLetterNotFound is returned when a dead letter to retry or drop does
// not exist (wrong id, or already retried or dropped).
var ErrDeadLetterNotFound = &Error{Code: ENOTFOUND, Reason: "not_found", Message: "no such dead letter"}

// DeadLetter is a notification that could not be delivered, with why.
type DeadLetter struct {
	// ID is the entry's id in the dead-letter stream.
	ID           string
	Notification Notification
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

// ErrDigestNotFound is returned for a digest id that does not exist (wrong,
// or expired).
var ErrDigestNotFound = &Error{Code: ENOTFOUND, Reason: "not_found", Message: "no such digest"}

// DigestRecord is a digest as the store keeps it, for operators.
type DigestRecord struct {
	ID       string
	Receiver string
	Channel  string
	// Pages is how many pages were absorbed into it; Listed how many of them
	// are kept one by one (the first ones; the rest are counted only).
	Pages  int64
	Listed int64
	// Since and Until are when its first and latest pages were absorbed.
	Since, Until time.Time
	// Shown is the digest as last posted, with its counts by rule and
	// severity; nil until it was posted once.
	Shown *Notification
	// Message names the Slack message that shows it ("channel/ts"), "" when
	// it cannot be edited (webhook) or was not posted yet.
	Message string
	// DeadLettered is set when the digest itself could not be delivered.
	DeadLettered string
}

// DigestedPage is one page absorbed into a digest.
type DigestedPage struct {
	OutboxID  string
	PageID    string
	Kind      Kind
	Rule      string
	Severity  Severity
	App       string
	Room      string
	User      string
	Task      string
	CreatedAt time.Time
	// DigestedAt is when it was absorbed.
	DigestedAt time.Time
}
