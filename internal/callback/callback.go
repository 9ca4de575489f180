// Package callback decodes the JSON envelope TRTC posts for every callback group.
//
// TRTC is inconsistent across groups and documentation versions: ids arrive as
// numbers or strings, timestamps under two spellings, keys in two cases. Decode
// accepts every documented variant and ignores unknown fields, because rejecting
// a callback TRTC considers valid would lose an event.
package callback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrInvalid marks a body that is not a usable callback (bad JSON, missing
// EventGroupId or EventType). The handler answers 400 for it.
var ErrInvalid = errors.New("invalid callback")

// Absent is the value of an optional numeric field the callback did not carry.
// TRTC itself uses -1 for "not used", and no documented code is negative.
const Absent = -1

// Event is a decoded callback. Numeric codes stay numbers here; the catalogue
// names them. Optional numeric fields hold Absent when missing.
type Event struct {
	AppID string // SdkAppId header
	Group int    // EventGroupId
	Type  int    // EventType
	// CallbackMs is when TRTC sent the callback (Unix ms), from CallbackTs or CallbackMsTs.
	CallbackMs int64
	// EventMs is when the event happened (Unix ms): EventMsTs, else EventTsMs, else EventTs*1000.
	EventMs int64

	RoomID       string // RoomId, roomID; numbers and strings normalised to the same text
	RoomType     int    // relay: 0 numeric room id, 1 string room id
	UserID       string
	UniqueID     int64
	Role         int
	TerminalType int
	UserType     int
	Reason       int
	TaskID       string

	// Status and LeaveCode come from Payload, or from EventInfo for groups that
	// put them there (stream ingest).
	Status    int
	LeaveCode int
	// ErrorCode and ErrorMessage are Payload.Code/ErrorCode and Payload.Message/ErrorMsg/Errmsg.
	ErrorCode    string
	ErrorMessage string
	URL          string

	// Payload is EventInfo.Payload as generic JSON, for rules and templates that
	// need a field hook has no name for. Nil when absent.
	Payload map[string]any
}

// envelope mirrors the wire format. encoding/json matches keys case-insensitively,
// which covers group 6's lower camel case (roomID, userID).
type envelope struct {
	EventGroupID *flexInt   `json:"EventGroupId"`
	EventType    *flexInt   `json:"EventType"`
	CallbackTs   flexInt    `json:"CallbackTs"`
	CallbackMsTs flexInt    `json:"CallbackMsTs"`
	EventInfo    *eventInfo `json:"EventInfo"`
}

type eventInfo struct {
	RoomID       flexString `json:"RoomId"`
	RoomType     *flexInt   `json:"RoomType"`
	EventTs      flexInt    `json:"EventTs"`
	EventMsTs    flexInt    `json:"EventMsTs"`
	EventTsMs    flexInt    `json:"EventTsMs"`
	UserID       flexString `json:"UserId"`
	UniqueID     flexInt    `json:"UniqueId"`
	Role         *flexInt   `json:"Role"`
	TerminalType *flexInt   `json:"TerminalType"`
	UserType     *flexInt   `json:"UserType"`
	Reason       *flexInt   `json:"Reason"`
	TaskID       flexString `json:"TaskId"`
	Status       *flexInt   `json:"Status"`
	LeaveCode    *flexInt   `json:"LeaveCode"`
	Payload      json.RawMessage
}

type payload struct {
	Status    *flexInt   `json:"Status"`
	LeaveCode *flexInt   `json:"LeaveCode"`
	Code      flexString `json:"Code"`
	ErrorCode flexString `json:"ErrorCode"`
	Message   flexString `json:"Message"`
	ErrorMsg  flexString `json:"ErrorMsg"`
	Errmsg    flexString `json:"Errmsg"`
	URL       flexString `json:"Url"`
}

// Decode parses a callback body. appID is the SdkAppId header, already verified.
func Decode(appID string, body []byte) (Event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Event{}, fmt.Errorf("%w: body is not a valid JSON object: %w", ErrInvalid, err)
	}
	if env.EventGroupID == nil {
		return Event{}, fmt.Errorf("%w: missing EventGroupId", ErrInvalid)
	}
	if env.EventType == nil {
		return Event{}, fmt.Errorf("%w: missing EventType", ErrInvalid)
	}
	ev := Event{
		AppID:        appID,
		Group:        int(*env.EventGroupID),
		Type:         int(*env.EventType),
		CallbackMs:   int64(env.CallbackTs),
		RoomType:     Absent,
		Role:         Absent,
		TerminalType: Absent,
		UserType:     Absent,
		Reason:       Absent,
		Status:       Absent,
		LeaveCode:    Absent,
	}
	if ev.CallbackMs == 0 {
		ev.CallbackMs = int64(env.CallbackMsTs)
	}
	if info := env.EventInfo; info != nil {
		if err := ev.fill(info); err != nil {
			return Event{}, err
		}
	}
	return ev, nil
}

func (ev *Event) fill(info *eventInfo) error {
	ev.RoomID = string(info.RoomID)
	ev.UserID = string(info.UserID)
	ev.TaskID = string(info.TaskID)
	ev.UniqueID = int64(info.UniqueID)
	ev.RoomType = optional(info.RoomType)
	ev.Role = optional(info.Role)
	ev.TerminalType = optional(info.TerminalType)
	ev.UserType = optional(info.UserType)
	ev.Reason = optional(info.Reason)
	ev.Status = optional(info.Status)
	ev.LeaveCode = optional(info.LeaveCode)
	switch {
	case info.EventMsTs != 0:
		ev.EventMs = int64(info.EventMsTs)
	case info.EventTsMs != 0:
		ev.EventMs = int64(info.EventTsMs)
	default:
		ev.EventMs = int64(info.EventTs) * 1000
	}
	raw := bytes.TrimSpace(info.Payload)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("%w: EventInfo.Payload: %w", ErrInvalid, err)
	}
	if err := json.Unmarshal(raw, &ev.Payload); err != nil {
		return fmt.Errorf("%w: EventInfo.Payload: %w", ErrInvalid, err)
	}
	if p.Status != nil {
		ev.Status = int(*p.Status)
	}
	if p.LeaveCode != nil {
		ev.LeaveCode = int(*p.LeaveCode)
	}
	ev.ErrorCode = firstNonEmpty(string(p.Code), string(p.ErrorCode))
	ev.ErrorMessage = firstNonEmpty(string(p.Message), string(p.ErrorMsg), string(p.Errmsg))
	ev.URL = string(p.URL)
	return nil
}

// EventTime is when the event happened, falling back to when it was sent.
func (ev Event) EventTime() time.Time {
	ms := ev.EventMs
	if ms == 0 {
		ms = ev.CallbackMs
	}
	return time.UnixMilli(ms).UTC()
}

func optional(v *flexInt) int {
	if v == nil {
		return Absent
	}
	return int(*v)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// flexInt accepts 12, "12", 12.0 and null (as 0).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			return nil
		}
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = flexInt(v)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return fmt.Errorf("%s is not an integer", b)
	}
	*n = flexInt(f)
	return nil
}

// flexString accepts "abc", 12345 (kept as its decimal text, so room 12345 and
// "12345" are the same room) and null (as "").
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("%s is neither a string nor a number", b)
	}
	*s = flexString(num.String())
	return nil
}
