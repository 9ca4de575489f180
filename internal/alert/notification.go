package alert

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	gojson "github.com/goccy/go-json"
)

// Kind says what a notification tells about its incident.
type Kind string

const (
	KindFiring   Kind = "firing"   // a new alert (or a group's first flush, a threshold's crossing)
	KindUpdate   Kind = "update"   // more of a group that already paged
	KindResolved Kind = "resolved" // the alert's clearing event came
	KindDigest   Kind = "digest"   // many notifications summarised as one
	// KindFollowUp is what TRTC's call-quality data said minutes after a
	// page, once it has landed: posted in the page's thread (FollowUp).
	KindFollowUp Kind = "followup"
)

// Notification is a typed record of what happened, for one receiver. The
// store keeps it in the outbox until it is delivered, digested or
// dead-lettered; notify renders it. It carries facts, never display text of
// hook's own: every word a reader sees is chosen when it is rendered.
//
// It is serialised as JSON: add fields, never repurpose them, so entries
// queued before an upgrade still decode after it.
type Notification struct {
	// ID is unique per alert. PageID adds the receiver and the part of the
	// incident, so a redelivered page keeps its id and a human can spot it.
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Rule     string   `json:"rule,omitempty"`
	Severity Severity `json:"severity,omitempty"`
	// Event is what happened; for an aggregate, the event that opened it.
	Event Event `json:"event"`
	// ResolvedBy is the clearing event of a resolved notification.
	ResolvedBy *Event `json:"resolved_by,omitempty"`
	// Title and Text are the rule's own templates, rendered; empty means the
	// renderer's default wording.
	Title string `json:"title,omitempty"`
	Text  string `json:"text,omitempty"`

	// Aggregate is set when the rule stands for many events (a threshold or
	// a group): then Members lists who, by MemberKind.
	Aggregate  bool       `json:"aggregate,omitempty"`
	MemberKind MemberKind `json:"member_kind,omitempty"`
	Members    []Member   `json:"members,omitempty"`
	// MemberCount is how many distinct members there are; MembersMore how
	// many of all known are not listed in Members.
	MemberCount int `json:"member_count,omitempty"`
	MembersMore int `json:"members_more,omitempty"`
	// Count is how many events this notification stands for (1 unless
	// aggregated); Total and TotalMembers are the group's so far (updates).
	Count        int `json:"count,omitempty"`
	Total        int `json:"total,omitempty"`
	TotalMembers int `json:"total_members,omitempty"`
	// Flush numbers a group's notifications from 1; 0 when not a group's.
	Flush int `json:"flush,omitempty"`

	// DedupKey is the key that made this alert unique within its window.
	DedupKey string `json:"dedup_key,omitempty"`
	// Incident groups notifications about the same thing (app and room) so
	// receivers able to thread reply under one parent message.
	Incident string `json:"incident,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	// RetriedAt is set when an operator moves it back from the dead letters:
	// its max age counts again from then.
	RetriedAt time.Time `json:"retried_at,omitzero"`
	// Receiver is left out when empty, as it is in the notification the
	// store keeps for a page: the outbox entry carries it beside ("r").
	Receiver Receiver `json:"receiver,omitzero"`
	// Note is a remark of hook's own, e.g. why a fallback receiver got it.
	Note string `json:"note,omitempty"`
	// Enrichment is what the client saw, added in delivery when TRTC's
	// call-quality APIs are configured.
	Enrichment *Enrichment `json:"enrichment,omitempty"`
	// Digest is set on a KindDigest notification: the pages it summarises.
	Digest *Digest `json:"digest,omitempty"`
	// Runbook is the rule's runbook: what on-call should do next.
	Runbook *Runbook `json:"runbook,omitempty"`
	// Why is the condition that made the alert page, in numbers (the page's
	// why-now line); nil for a plain rule that pages on one event.
	Why *Why `json:"why,omitempty"`
}

// CountMark stands where a rule's title or text template wrote {{.Count}}
// for a rule whose page stands for many events (a threshold, a group): the
// count is only known when the store pages, so notify writes the page's
// count in its place (words.PageCount), and the title agrees with the
// members the page lists. Client text cannot forge it: Inline and Inert
// turn its control characters into U+FFFD.
const CountMark = "\x1fcount\x1f"

// Runbook is a rule's runbook: a link, a short text, or both.
type Runbook struct {
	URL  string `json:"url,omitempty"`
	Text string `json:"text,omitempty"`
}

// Why is what made an alert page, in numbers. rules fills the condition
// (Need, Share, Of, Within, For) when the alert fires; the store adds what it
// counted (Dropped, Away, Population) when it pages. notify words it.
type Why struct {
	// Need is the threshold's count: at least this many members (its floor
	// when Share is set).
	Need int `json:"need,omitempty"`
	// Share is the fraction (0.3 for 30%) of Population a relative threshold
	// needs; Of says whose population: "room" or "app".
	Share float64 `json:"share,omitempty"`
	Of    string  `json:"of,omitempty"`
	// Within is the threshold's window; For how long the alert waited for
	// its clearing event (or, on a threshold, for members to come back).
	Within time.Duration `json:"within,omitempty"`
	For    time.Duration `json:"for,omitempty"`
	// Dropped is how many distinct members were counted in the window,
	// Away how many of them were still away when it paged (thresholds that
	// wait for recovery), Population how many users were in the room or app
	// (present, plus those counted away); 0 when not known.
	Dropped    int `json:"dropped,omitempty"`
	Away       int `json:"away,omitempty"`
	Population int `json:"population,omitempty"`
}

// Event is the facts of one callback as a notification carries them.
type Event struct {
	App  string `json:"app,omitempty"`
	Room string `json:"room,omitempty"`
	// RoomKey is Room with its kind: "s:12345" for the string room "12345".
	RoomKey string `json:"room_key,omitempty"`
	User    string `json:"user,omitempty"`
	Task    string `json:"task,omitempty"`
	// Scene is the app's TRTC scene as the rules file declares it: "live"
	// (LIVE, VoiceChatRoom: anchors and audience) or "call" (VideoCall,
	// AudioCall: everyone is role 20).
	Scene string `json:"scene,omitempty"`
	// Codes are the callback's numeric codes, in the order of the code-field
	// table (match declares it). A page is made, and kept in the outbox,
	// with each code's facts only (Field, Value); the outbox's readers give
	// them the catalogue's words (Label, Name, Meaning) before anything
	// renders them (match.CodeWords). A page queued by an earlier hook
	// carries its words and keeps them.
	Codes        []Code    `json:"codes,omitempty"`
	ErrorCode    string    `json:"error_code,omitempty"`
	ErrorMessage string    `json:"error_message,omitempty"`
	URL          string    `json:"url,omitempty"`
	Time         time.Time `json:"time,omitzero"`
}

// Code is a number from the callback with what the catalogue says it means.
type Code struct {
	Field   string `json:"field"`             // e.g. "reason"
	Label   string `json:"label,omitempty"`   // e.g. "Reason": how the field is named to people
	Value   int    `json:"value"`             // e.g. 2
	Name    string `json:"name,omitempty"`    // e.g. "reason.timeout"
	Meaning string `json:"meaning,omitempty"` // e.g. "Timeout"
}

// Code returns the event's code for field, if it carries one.
func (e Event) Code(field string) (Code, bool) {
	for _, c := range e.Codes {
		if c.Field == field {
			return c, true
		}
	}
	return Code{}, false
}

// Meaning is the catalogue's words for the event's code of field, "" if none.
func (e Event) Meaning(field string) string {
	c, _ := e.Code(field)
	return c.Meaning
}

// MemberKind says what the members of an aggregate are.
type MemberKind string

const (
	MembersUsers MemberKind = "users"
	MembersTasks MemberKind = "tasks"
	MembersRooms MemberKind = "rooms"
)

// Member is one name an aggregate stands for, with how many of its events.
type Member struct {
	Name   string `json:"name"`
	Events int    `json:"events"`
	// Role and Reason are the catalogue's words for the member's own role
	// and reason at its latest counted event ("Anchor", "Timeout"), when the
	// members are users; empty when not known.
	Role   string `json:"role,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// ReceiverKind selects the sender that delivers a notification.
type ReceiverKind string

const (
	ReceiverSlack   ReceiverKind = "slack"
	ReceiverConsole ReceiverKind = "console"
)

// Receiver is where a notification goes, resolved from the rules file when the
// alert fired, so a reload that renames a receiver cannot strand what is queued.
type Receiver struct {
	Name    string       `json:"name"`
	Kind    ReceiverKind `json:"kind"`
	Channel string       `json:"channel,omitempty"`
	// Mentions are Slack mention tokens (<!here>, <@U123>, <!subteam^ID>) chosen
	// for the alert's severity.
	Mentions []string `json:"mentions,omitempty"`
}

// PageID names this notification for its receiver: the alert, the receiver,
// and which of the incident's notifications it is. It is stable across
// redelivery.
func (n Notification) PageID() string {
	id := n.ID
	if n.Receiver.Name != "" {
		id += "-" + n.Receiver.Name
	}
	switch {
	case n.Flush > 0:
		id += "-g" + strconv.Itoa(n.Flush-1)
	case n.Kind == KindResolved:
		id += "-resolved"
	}
	if n.Kind == KindFollowUp {
		id += "-followup"
	}
	return id
}

// FollowUp is the follow-up of page n, entering the outbox at at: the same
// alert, incident, receiver and facts, so it threads under the page and its
// id names the page it follows. What the client saw is asked for anew when
// it is delivered (the page's own enrichment is not kept in the outbox);
// it pings nobody and carries no note of the page's.
func (n Notification) FollowUp(at time.Time) Notification {
	f := n
	f.Kind = KindFollowUp
	f.CreatedAt, f.RetriedAt = at.UTC(), time.Time{}
	f.Enrichment, f.Note, f.Digest = nil, "", nil
	f.Receiver.Mentions = nil
	return f
}

// Enqueued is when the notification's current stay in the outbox began: its
// creation, or its last retry from the dead letters.
func (n Notification) Enqueued() time.Time {
	if n.RetriedAt.After(n.CreatedAt) {
		return n.RetriedAt
	}
	return n.CreatedAt
}

// Time is when what it tells of happened: the event, else its creation.
func (n Notification) Time() time.Time {
	if n.ResolvedBy != nil && !n.ResolvedBy.Time.IsZero() {
		return n.ResolvedBy.Time
	}
	if !n.Event.Time.IsZero() {
		return n.Event.Time
	}
	return n.CreatedAt
}

// Marshal encodes a notification for the outbox: the same JSON as
// encoding/json, by goccy/go-json, which allocates once for the result
// where encoding/json reflects its way to a dozen (the store encodes one
// for every alert that fires, on the callback's path). MarshalOf, not
// Marshal: n stays where it is, not copied to the heap to be referred to.
func (n Notification) Marshal() ([]byte, error) {
	b, err := gojson.MarshalOf(n)
	if err != nil {
		return nil, fmt.Errorf("encode notification %s: %w", n.ID, err)
	}
	return b, nil
}

// UnmarshalNotification decodes a notification read from the outbox, as
// Marshal wrote it now or in any earlier version: fields are only ever
// added, so an entry queued before an upgrade decodes after it. Whatever
// Redis holds is read by encoding/json, hook's most tested parser: decoding
// is off the callback's path.
func UnmarshalNotification(b []byte) (Notification, error) {
	var n Notification
	if err := json.Unmarshal(b, &n); err != nil {
		return Notification{}, fmt.Errorf("decode notification: %w", err)
	}
	return n, nil
}

// UnmarshalReceiver decodes a receiver as encoding/json wrote it.
func UnmarshalReceiver(b []byte) (Receiver, error) {
	var r Receiver
	if err := json.Unmarshal(b, &r); err != nil {
		return Receiver{}, fmt.Errorf("decode receiver: %w", err)
	}
	return r, nil
}
