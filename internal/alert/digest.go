package alert

import "time"

// Digest summarises the pages a flood brought to one receiver. When more
// pages wait for a channel than it takes soon, they are absorbed into a
// digest (each leaves the outbox and is recorded with it) and the receiver
// gets one message that counts them, refreshed as the flood goes on, instead
// of hours of backlog.
//
// A digest carries facts only; notify words them.
type Digest struct {
	// Pages is how many pages it stands for.
	Pages int `json:"pages"`
	// Resolved is how many of them told of a recovery.
	Resolved int `json:"resolved,omitempty"`
	// Rooms is how many distinct rooms (app and room) the pages are about;
	// RoomsAtLeast says counting stopped at that many.
	Rooms        int  `json:"rooms"`
	RoomsAtLeast bool `json:"rooms_at_least,omitempty"`
	// ByRule counts the pages per rule, most pages first.
	ByRule []DigestRule `json:"by_rule,omitempty"`
	// BySeverity counts the pages per severity, most urgent first.
	BySeverity []DigestSeverity `json:"by_severity,omitempty"`
	// Examples are the first pages absorbed, as on-call would have seen them.
	Examples []DigestExample `json:"examples,omitempty"`
	// Since and Until are when the first and the latest page were absorbed.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Interval is how often the digest is refreshed while the flood lasts;
	// InPlace says a refresh edits this message rather than posting anew.
	Interval time.Duration `json:"interval,omitempty"`
	InPlace  bool          `json:"in_place,omitempty"`
	// Final is set on the last refresh: the flood is over.
	Final bool `json:"final,omitempty"`
}

// DigestRule is one rule's share of a digest.
type DigestRule struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity,omitempty"`
	Pages    int      `json:"pages"`
	// Rooms is how many distinct rooms its pages are about.
	Rooms        int  `json:"rooms,omitempty"`
	RoomsAtLeast bool `json:"rooms_at_least,omitempty"`
}

// DigestSeverity is one severity's share of a digest.
type DigestSeverity struct {
	Severity Severity `json:"severity"`
	Pages    int      `json:"pages"`
}

// DigestExample is one absorbed page, kept whole enough to be worded like
// the page itself.
type DigestExample struct {
	PageID   string   `json:"page_id"`
	Kind     Kind     `json:"kind"`
	Rule     string   `json:"rule,omitempty"`
	Severity Severity `json:"severity,omitempty"`
	Title    string   `json:"title,omitempty"`
	Event    Event    `json:"event"`
}

// Notification is the example as the page it was, for the words of a page.
func (e DigestExample) Notification() Notification {
	return Notification{Kind: e.Kind, Rule: e.Rule, Severity: e.Severity, Title: e.Title, Event: e.Event}
}

// SeverityRank orders severities for sorting: critical 0, warning 1, info 2,
// anything else after.
func SeverityRank(s Severity) int {
	for i, v := range Severities() {
		if s == v {
			return i
		}
	}
	return len(Severities())
}
