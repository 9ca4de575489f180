// Package notify delivers pages: it reads them from the durable outbox and hands
// each to the sender for its receiver (Slack Web API, Slack webhook, console).
//
// notify knows nothing of rules: a Page carries everything needed to render and
// route it, already resolved, so that it can sit in Redis across restarts and be
// delivered by any replica.
package notify

import (
	"encoding/json"
	"fmt"
	"time"
)

// Severity orders pages by urgency; receivers may mention people per severity.
type Severity string

const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Kind says what a page is about the incident it belongs to.
type Kind string

const (
	KindFiring   Kind = "firing"
	KindResolved Kind = "resolved"
)

// Page is one message for one receiver. It is serialised into the outbox as JSON,
// so every field must survive a round trip and old entries must still decode
// after an upgrade: add fields, never repurpose them.
type Page struct {
	// ID is unique per page and stable across redelivery, so a receiver (or a
	// human) can recognise a duplicate caused by a crash between send and ack.
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Title and Text are the rule's rendered templates.
	Title string `json:"title"`
	Text  string `json:"text"`
	// Fields are the facts of the event in display order (App, Room, User, ...).
	Fields []Field `json:"fields,omitempty"`
	// Codes are the numeric codes the page mentions, each with the catalogue's words.
	Codes []Code `json:"codes,omitempty"`
	// Incident groups pages about the same thing (by default app and room), so
	// that receivers able to thread can reply under one parent message.
	Incident string `json:"incident,omitempty"`
	// Count is how many events this page stands for (1 unless grouped or thresholded).
	Count int `json:"count,omitempty"`
	// DedupKey is the key that made this page unique within its window.
	DedupKey  string    `json:"dedup_key,omitempty"`
	EventTime time.Time `json:"event_time"`
	CreatedAt time.Time `json:"created_at"`
	Receiver  Receiver  `json:"receiver"`
	// RetriedAt is set when an operator moves the page back from the dead
	// letters (hook outbox retry): its max age counts again from then.
	RetriedAt time.Time `json:"retried_at,omitzero"`
	// Note is an extra line from hook itself, e.g. why a fallback receiver
	// got this page.
	Note string `json:"note,omitempty"`
}

// Enqueued is when the page's current stay in the outbox began: its creation,
// or its last retry from the dead letters.
func (p Page) Enqueued() time.Time {
	if p.RetriedAt.After(p.CreatedAt) {
		return p.RetriedAt
	}
	return p.CreatedAt
}

// Field is one labelled fact shown on a page.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Code is a number from the callback together with what the catalogue says it means.
type Code struct {
	Field   string `json:"field"`             // e.g. "reason"
	Value   int    `json:"value"`             // e.g. 2
	Name    string `json:"name"`              // e.g. "reason.timeout"
	Meaning string `json:"meaning,omitempty"` // e.g. "Timeout"
}

// ReceiverKind selects the sender that delivers a page.
type ReceiverKind string

const (
	ReceiverSlack   ReceiverKind = "slack"
	ReceiverConsole ReceiverKind = "console"
)

// Receiver is where a page goes, resolved from the rules file when the page was
// made, so a reload that renames a receiver cannot strand pages already queued.
type Receiver struct {
	Name    string       `json:"name"`
	Kind    ReceiverKind `json:"kind"`
	Channel string       `json:"channel,omitempty"`
	// Mentions are Slack mention tokens (<!here>, <@U123>, <!subteam^ID>) chosen
	// for this page's severity.
	Mentions []string `json:"mentions,omitempty"`
}

// Marshal encodes a page for the outbox.
func (p Page) Marshal() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode page %s: %w", p.ID, err)
	}
	return b, nil
}

// UnmarshalPage decodes a page read from the outbox.
func UnmarshalPage(b []byte) (Page, error) {
	var p Page
	if err := json.Unmarshal(b, &p); err != nil {
		return Page{}, fmt.Errorf("decode page: %w", err)
	}
	return p, nil
}
