package enrich

import (
	"strconv"
	"strings"
	"time"
)

// Kind says what a page is about, and so which action enriches it.
type Kind string

const (
	// KindUser: a user dropped out or failed to enter. Enriched with the user's SDK
	// and WebRTC events around the time (DescribeUserEvent).
	KindUser Kind = "user"
	// KindRoom: a room dismissed with errors, or a room-wide incident. Enriched with
	// the room's abnormal experiences and their causes (DescribeUnusualEvent).
	KindRoom Kind = "room"
)

// Subject is what a page is about.
type Subject struct {
	Kind Kind
	App  string // SdkAppId, decimal
	Room string
	// RoomKey is Room with its kind, as the callback named it: "s:12345" for
	// the string room "12345", the bare id for a numeric room. TRTC keeps the
	// two apart (and numbers string rooms internally), so the call is looked
	// up by kind as well as by id. "" means numeric.
	RoomKey string
	// User is required for KindUser; for KindRoom it only ranks that user's
	// experiences first.
	User string
	// EventTime is when the page's event happened (EventInfo.EventMsTs).
	EventTime time.Time
	// RoomCreated is the room's creation (callback 101) if the caller knows it;
	// zero: RoomCreations is asked, then DescribeRoomInfo.
	RoomCreated time.Time
	// RoomDismissed reports callback 102 seen for this room. TRTC reports the
	// room-dismissal table's events (1001-1032) only after the room is dismissed:
	// before that a room's enrichment lacks them and says so (DismissalPending),
	// and asking again after 102 finds them (the cache keeps the two apart).
	RoomDismissed bool
	// FollowUp marks the page's follow-up, minutes later: TRTC's data has
	// landed, so the user's call details (DescribeCallDetailInfo: SDK
	// version, device, network) are asked for too, and nothing is served
	// from what the page itself was given.
	FollowUp bool
}

// roomKey is s.RoomKey, or the bare room id of a numeric room.
func (s Subject) roomKey() string {
	if s.RoomKey != "" {
		return s.RoomKey
	}
	return s.Room
}

// stringRoom reports a string room (TRTC's StrRoomId): its key says so, or its
// id is not a number as a numeric room's is written (a 32-bit unsigned
// integer, no leading zero), which only a string room's can be.
func (s Subject) stringRoom() bool {
	if strings.HasPrefix(s.RoomKey, "s:") {
		return true
	}
	n, err := strconv.ParseUint(s.Room, 10, 32)
	return err != nil || strconv.FormatUint(n, 10) != s.Room
}

// Severity ranks an item: errors first when items are capped.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "info"
}

// MarshalText writes the name, so JSON carries "error" rather than 2.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText wrote; anything else is info.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = SeverityError
	case "warning":
		*s = SeverityWarning
	default:
		*s = SeverityInfo
	}
	return nil
}

// Param is a named quantity an event's parameter carries, e.g. "Resolution width" = 1280.
type Param struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// ClientEvent is one SDK or WebRTC event a client reported, decoded.
type ClientEvent struct {
	Time time.Time `json:"time"`
	// PeerID is the user whose stream the event concerns (TRTC's PeerId); often the
	// subject's user, otherwise a remote user it was receiving.
	PeerID string `json:"peer_id,omitempty"`
	// StreamType: 0 none, 2 big video, 3 small video, 7 substream.
	StreamType int `json:"stream_type"`
	// Table is "sdk" or "webrtc"; ID, Param1 and Param2 are as reported.
	Table  string `json:"table"`
	ID     int    `json:"id"`
	Param1 int64  `json:"param1"`
	Param2 int64  `json:"param2"`
	// Name is the catalogue's text for the id and parameters, e.g. "Connection to CVM timed out".
	Name   string  `json:"name"`
	Params []Param `json:"params,omitempty"`
	// Known is false for an id the catalogue does not list; Fallback is true when a
	// parameter matched no documented row and Name is the id's general meaning.
	Known    bool     `json:"known"`
	Fallback bool     `json:"fallback,omitempty"`
	Severity Severity `json:"severity"`
	// Text is the short human line, e.g. "5005 Connection to CVM timed out".
	Text string `json:"text"`
}

// Cause is one abnormal event behind an experience.
type Cause struct {
	Table  string `json:"table"` // "dismissal" (1001-1032) or "realtime" (2001-2026)
	ID     int    `json:"id"`
	PeerID string `json:"peer_id,omitempty"` // the remote user it came from, if any
	Name   string `json:"name"`
	Known  bool   `json:"known"`
	// Text is e.g. "1013 The room entry request timed out. Please check the network".
	Text string `json:"text"`
}

// Experience is one abnormal experience a user had, with its causes.
type Experience struct {
	Time   time.Time `json:"time"`
	UserID string    `json:"user_id"`
	RoomID string    `json:"room_id,omitempty"`
	ID     int       `json:"id"`
	Name   string    `json:"name"` // e.g. "Room entry was slow"
	Known  bool      `json:"known"`
	Causes []Cause   `json:"causes,omitempty"`
	// CausesOmitted counts causes left out by the cap.
	CausesOmitted int `json:"causes_omitted,omitempty"`
	// Count is how many identical reports (same user, experience and causes) this
	// item stands for; Time is the latest.
	Count int `json:"count"`
	// Text is e.g. "experience 1 Room entry was slow: 1013 The room entry request timed out".
	Text string `json:"text"`
}

// Enrichment is what the client saw, ready to add to a page. The zero value is
// "nothing to add".
type Enrichment struct {
	Kind Kind `json:"kind"`
	// User is the subject's user, if any: Lines names a peer only when it is someone else.
	User string `json:"user,omitempty"`
	// CommID is TRTC's id of the call (DescribeRoomInfo), for user and room
	// subjects alike; "" when it could not be found (see Missing).
	CommID string `json:"comm_id,omitempty"`
	// Start and End are the window asked about.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Events are the most relevant of the user's events: errors first, then
	// warnings, then the rest, each group nearest the event time first.
	Events        []ClientEvent `json:"events,omitempty"`
	EventsOmitted int           `json:"events_omitted,omitempty"`
	// Experiences are the room's abnormal experiences, the subject's user first,
	// then those with the most causes.
	Experiences        []Experience `json:"experiences,omitempty"`
	ExperiencesOmitted int          `json:"experiences_omitted,omitempty"`
	// DismissalPending: the room was not dismissed yet, so TRTC could not report
	// room-dismissal events (1001-1032); enrich again after callback 102.
	DismissalPending bool `json:"dismissal_pending,omitempty"`
	// Cached reports an answer served from the cache.
	Cached bool `json:"cached,omitempty"`
	// Client is what is known of the user's client: from their room entry
	// (callback 103, through Members) and, on a follow-up, from
	// DescribeCallDetailInfo. nil when nothing is.
	Client *ClientInfo `json:"client,omitempty"`
	// Missing lists what could not be had and why, so that a page never
	// looks complete when it is not.
	Missing []Missing `json:"missing,omitempty"`
}

// ClientInfo is what is known of one user's client.
type ClientInfo struct {
	// Terminal and UserType are the catalogue's words for the TerminalType
	// and UserType of the user's room entry (103), e.g. "Android", "Native SDK".
	Terminal string `json:"terminal,omitempty"`
	UserType string `json:"user_type,omitempty"`
	// SDKVersion and Device are DescribeCallDetailInfo's SdkVersion and
	// DeviceType, as TRTC reports them (client text: bounded).
	SDKVersion string `json:"sdk_version,omitempty"`
	Device     string `json:"device,omitempty"`
	// OS is the operating system where TRTC names one apart from the device;
	// DescribeCallDetailInfo (2019-07-22) does not, so it stays empty and
	// Terminal, from the room entry, is the platform.
	OS string `json:"os,omitempty"`
	// Network sums up the user's network around the event from the quality
	// data (round-trip time and packet loss peaks), e.g.
	// "rtt max 850 ms, audio loss max 35%, video loss max 12%".
	Network string `json:"network,omitempty"`
}

// Empty reports a ClientInfo that knows nothing.
func (c *ClientInfo) Empty() bool { return c == nil || *c == ClientInfo{} }

// What a Missing names: the data that could not be had.
const (
	DataCallQuality = "call_quality" // DescribeUserEvent, DescribeUnusualEvent
	DataCallDetail  = "call_detail"  // DescribeCallDetailInfo
	DataRoom        = "room"         // DescribeRoomInfo: the call's CommId
	DataClient      = "client"       // the user's room entry (Members)
)

// Why data could not be had, besides TRTC's own error codes
// ("AuthFailure", "RequestLimitExceeded", ...).
const (
	ReasonTimeout     = "timeout"     // the time budget ran out
	ReasonUnreachable = "unreachable" // the network failed (TRTC, or Redis for Members)
	ReasonNoData      = "no data"     // asked, and nothing was there (yet)
	ReasonThrottled   = "throttled"   // hook's own limit held the request back
	ReasonInvalid     = "invalid"     // a subject or query hook should not have made
	ReasonError       = "error"       // anything else: a bad answer, an undocumented code
)

// Missing is one piece of enrichment that could not be had. Both fields are
// short and machine-made, from bounded sets, so they serve as metric labels.
type Missing struct {
	Data   string `json:"data"`
	Reason string `json:"reason"`
}

// Empty reports nothing to add to a page.
func (e Enrichment) Empty() bool { return len(e.Events) == 0 && len(e.Experiences) == 0 }

// Lines renders the enrichment as plain lines for a page or a log, one per item,
// times in UTC, plus a line for what the caps left out. Rendering for Slack is the
// notifier's job; these lines are the plain-text form.
func (e Enrichment) Lines() []string {
	lines := make([]string, 0, len(e.Events)+len(e.Experiences)+3)
	for _, ev := range e.Events {
		l := ev.Time.UTC().Format("15:04:05.000") + " " + ev.Text
		if ev.PeerID != "" && ev.PeerID != e.User {
			l += " (peer " + ev.PeerID + ")"
		}
		lines = append(lines, l)
	}
	if e.EventsOmitted > 0 {
		lines = append(lines, more(e.EventsOmitted, "event"))
	}
	for _, x := range e.Experiences {
		l := x.Time.UTC().Format("15:04:05") + " " + x.UserID + ": " + x.Text
		if x.Count > 1 {
			l += " (" + strconv.Itoa(x.Count) + " times)"
		}
		lines = append(lines, l)
	}
	if e.ExperiencesOmitted > 0 {
		lines = append(lines, more(e.ExperiencesOmitted, "abnormal experience"))
	}
	if e.DismissalPending {
		lines = append(lines, "room still open: room-dismissal events are reported only after it is dismissed")
	}
	return lines
}

func more(n int, what string) string {
	if n != 1 {
		what += "s"
	}
	return strconv.Itoa(n) + " more " + what + " not shown"
}

// Bounds on strings. What a client sent (user ids, peer ids, room ids) is kept to
// maxClientChars; a line of ours, which quotes the catalogue, to maxTextChars.
const (
	maxClientChars = 200
	maxTextChars   = 400
)
