package alert

import "time"

// Enrichment is what the client saw around the event, from TRTC's
// call-quality APIs (DescribeUserEvent, DescribeUnusualEvent), every id
// already named by the catalogue. It is added in delivery, never on the
// callback path; a notification without it is complete.
type Enrichment struct {
	// Events are the user's SDK or WebRTC events, most relevant first.
	Events        []ClientEvent `json:"events,omitempty"`
	EventsOmitted int           `json:"events_omitted,omitempty"`
	// Experiences are the room's abnormal experiences with their causes.
	Experiences        []Experience `json:"experiences,omitempty"`
	ExperiencesOmitted int          `json:"experiences_omitted,omitempty"`
	// DismissalPending: the room was not dismissed yet, so TRTC could not
	// report its room-dismissal events.
	DismissalPending bool `json:"dismissal_pending,omitempty"`
	// CommID is TRTC's id of the call (DescribeRoomInfo): the console's
	// call-quality view is keyed by it.
	CommID string `json:"comm_id,omitempty"`
	// Client is what is known of the user's client: from their room entry
	// (103) and from DescribeCallDetailInfo.
	Client *ClientInfo `json:"client,omitempty"`
	// Missing lists the data that could not be had, and why: a page never
	// looks complete when it is not.
	Missing []Missing `json:"missing,omitempty"`
}

// ClientInfo is what is known of one user's client.
type ClientInfo struct {
	Terminal   string `json:"terminal,omitempty"`  // the catalogue's words for TerminalType at entry
	UserType   string `json:"user_type,omitempty"` // the catalogue's words for UserType at entry
	SDKVersion string `json:"sdk_version,omitempty"`
	Device     string `json:"device,omitempty"`
	OS         string `json:"os,omitempty"`
	Network    string `json:"network,omitempty"`
}

// Missing is one piece of enrichment that could not be had.
type Missing struct {
	// Data names what is missing: "call_quality" (DescribeUserEvent,
	// DescribeUnusualEvent), "call_detail" (DescribeCallDetailInfo), "room"
	// (DescribeRoomInfo) or "client" (the user's room entry).
	Data string `json:"data"`
	// Reason is short and machine-made: TRTC's error code ("AuthFailure",
	// "RequestLimitExceeded"), "timeout", "unreachable", "no data".
	Reason string `json:"reason"`
}

// ClientEvent is one SDK or WebRTC event a client reported.
type ClientEvent struct {
	Time     time.Time `json:"time"`
	Table    string    `json:"table"`             // "sdk" or "webrtc"
	ID       int       `json:"id"`                // e.g. 5005
	Name     string    `json:"name"`              // e.g. "Connection to CVM timed out"
	PeerID   string    `json:"peer_id,omitempty"` // the remote user it concerns, if not the subject
	Severity string    `json:"severity,omitempty"`
	// Undocumented is set when the catalogue has no row for the id with
	// these parameters: Name is then the id's general meaning (or "unknown
	// ... event"), and a page must say so rather than read as documented.
	// Param1 and Param2 are the parameters as the client reported them (-1:
	// not used); pages show them only for an undocumented event.
	Undocumented bool  `json:"undocumented,omitempty"`
	Param1       int64 `json:"param1,omitempty"`
	Param2       int64 `json:"param2,omitempty"`
}

// Experience is one abnormal experience of a user, with its causes.
type Experience struct {
	Time   time.Time `json:"time"`
	UserID string    `json:"user_id"`
	ID     int       `json:"id"`   // e.g. 1
	Name   string    `json:"name"` // e.g. "Room entry was slow"
	Count  int       `json:"count,omitempty"`
	Causes []Cause   `json:"causes,omitempty"`
}

// Cause is one abnormal event behind an experience.
type Cause struct {
	ID   int    `json:"id"`   // e.g. 1013
	Name string `json:"name"` // e.g. "The room entry request timed out"
}

// Empty reports whether there is nothing to show.
func (e *Enrichment) Empty() bool {
	return e == nil || len(e.Events) == 0 && len(e.Experiences) == 0 && !e.DismissalPending &&
		e.CommID == "" && e.Client == nil && len(e.Missing) == 0
}
