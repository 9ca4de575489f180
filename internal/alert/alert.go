// Package alert is hook's domain: the vocabulary every stage of the pipeline
// shares. The engine turns a callback into Alerts; state acts on them
// atomically and records what happened as Notifications in the outbox;
// notify takes each one from the outbox as a Delivery and renders it for its
// receiver. Silences, their one validation, the dead letters and digests as
// operators see them, and hook's error codes live here too.
//
// The package holds types and the rules about them, no I/O, and imports
// nothing of hook's.
package alert

import (
	"time"
)

// Severity orders alerts by urgency; receivers may mention people per severity.
type Severity string

const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Severities lists every severity, most urgent first.
func Severities() []Severity {
	return []Severity{SeverityCritical, SeverityWarning, SeverityInfo}
}

// Valid reports whether s is one of Severities.
func (s Severity) Valid() bool {
	return s == SeverityCritical || s == SeverityWarning || s == SeverityInfo
}

// Op says what the store does with an Alert. The scripts use the same words.
type Op string

const (
	// OpPage claims the dedup key and, if new, pages (or adds to the rule's group).
	OpPage Op = "page"
	// OpThreshold counts the event in the rule's sliding window; it pages when
	// the count crosses the threshold.
	OpThreshold Op = "threshold"
	// OpPending opens a timer that pages after `for` unless a clearing event comes.
	OpPending Op = "pending"
	// OpClear cancels a pending timer, or resolves the page it already sent.
	OpClear Op = "clear"
	// OpRecover takes a member that came back off a threshold that waits for
	// recovery (threshold with for/clear): it no longer counts.
	OpRecover Op = "recover"
	// OpRearm lets a threshold with rearm count its key again: the event
	// that ends an episode (a relay RUNNING again) for the same key.
	OpRearm Op = "rearm"
)

// Verdict is what the store did with one Alert or one due timer. The scripts
// return exactly these words.
type Verdict string

const (
	VerdictPaged     Verdict = "paged"     // notifications enqueued now
	VerdictGrouped   Verdict = "grouped"   // added to a group; it pages at its next flush
	VerdictDuplicate Verdict = "duplicate" // already paged (dedup window, open pending, threshold already crossed)
	VerdictSilenced  Verdict = "silenced"  // muted by a silence: counted, not sent
	VerdictInhibited Verdict = "inhibited" // muted while an inhibiting alert fires
	VerdictCounted   Verdict = "counted"   // counted towards a threshold not reached yet
	VerdictPending   Verdict = "pending"   // a timer is open: pages after `for` unless cleared
	VerdictCleared   Verdict = "cleared"   // the clearing event came in time: nobody paged
	VerdictResolved  Verdict = "resolved"  // the clearing event came after the page: resolved notification enqueued
	VerdictIgnored   Verdict = "ignored"   // nothing to do (a late or stale event)
	VerdictUpdated   Verdict = "updated"   // a group flushed an update
	VerdictIdle      Verdict = "idle"      // a group flush found nothing new
)

// Sent reports whether the verdict put a notification in the outbox.
func (v Verdict) Sent() bool {
	return v == VerdictPaged || v == VerdictResolved || v == VerdictUpdated
}

// Fired reports whether the alert went on its way to a receiver: paged now,
// or held in a group that pages at its flush.
func (v Verdict) Fired() bool { return v == VerdictPaged || v == VerdictGrouped }

// Alert is one rule's verdict on one event: what the store must do with it
// (Op and its parameters) and the Notification to enqueue, once per
// receiver, if it pages. Every Alert of one callback is acted on in one
// atomic step.
type Alert struct {
	Op   Op
	Rule string
	// EventMs is when the event happened (Unix ms): it orders late and
	// redelivered events.
	EventMs int64
	// Labels are what silences match (see SilenceLabels).
	Labels map[string]string
	// DedupKey makes the alert unique within Window (OpPage).
	DedupKey string
	Window   time.Duration
	// Member names who or what the alert is about (a user, else a task,
	// else the room): aggregated notifications list members.
	Member string
	// StateKey identifies the threshold window (OpThreshold) or the pending
	// alert (OpPending, OpClear) within the rule.
	StateKey string
	Count    int           // OpThreshold: members needed
	Within   time.Duration // OpThreshold, OpRecover, OpRearm: the sliding window
	// Share, when positive, makes a threshold relative: it also needs this
	// many ten-thousandths (5000 for 50%) of the population Of names
	// ("room" or "app"), counting distinct members. Present is the app's
	// present users as the engine knew them when Of is "app" (the store
	// reads a room's itself); 0 when unknown.
	Share   int
	Of      string
	Present int
	// AppWide puts the alert's state in its app's partition rather than its
	// room's: a threshold whose key does not name the room counts the
	// whole app's events together, wherever their rooms live.
	AppWide bool
	// Rearm makes a threshold count its key once until an OpRearm for the
	// same key: one episode of repeats counts once.
	Rearm bool
	// MemberRole and MemberReason are the catalogue's words for the
	// member's role and reason at this event (aggregates list them per
	// member); empty when the member is not a user.
	MemberRole   string
	MemberReason string
	// For is how long to wait for the clearing event (OpPending), or, on a
	// threshold, for members to come back before counting who is still
	// away (OpThreshold, OpRecover).
	For time.Duration
	// ClearedBy says, for logs, what clears a pending alert (OpPending):
	// its rule's clear, as written ("event room.enter").
	ClearedBy string
	Group     *Group // nil: page at once
	// InhibitSources are markers this alert sets while it fires;
	// InhibitTargets are markers that, when set, mute it.
	InhibitSources []InhibitMark
	InhibitTargets []string

	// Notification is what a page says; each receiver gets a copy with its
	// Receiver set. For OpClear it describes the clearing event.
	Notification Notification
	Receivers    []Receiver
}

// Whose population a relative threshold's share is of (Alert.Of, Why.Of).
const (
	OfRoom = "room"
	OfApp  = "app"
)

// Group says which group an alert joins and its timing.
type Group struct {
	ID       string        // rule and label values: one group per distinct value set
	Wait     time.Duration // first alert -> first notification
	Interval time.Duration // between updates
	Hold     time.Duration // a group idle this long is forgotten; the next alert starts a new one
}

// InhibitMark is a "source is firing" marker set (or refreshed) for Hold when
// a source alert fires.
type InhibitMark struct {
	Key  string
	Hold time.Duration
}

// TickOutcome is what the store did with one due timer.
type TickOutcome struct {
	Rule    string
	Timer   string // TimerPending or TimerGroup
	Verdict Verdict
}

// The kinds of timer.
const (
	TimerPending   = "pending"   // a for: alert whose wait ended
	TimerGroup     = "group"     // a group whose wait or interval ended
	TimerThreshold = "threshold" // a threshold whose wait for recovery ended
)
