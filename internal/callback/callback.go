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
	"math"
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
// which covers group 6's lower camel case (roomID, userID). Only EventGroupId
// and EventType must be well formed: every other field is optional, and one
// of an unexpected shape reads as absent rather than failing the callback,
// because a 400 makes TRTC give up and the event would be lost.
type envelope struct {
	EventGroupID *flexInt        `json:"EventGroupId"`
	EventType    *flexInt        `json:"EventType"`
	CallbackTs   looseInt        `json:"CallbackTs"`
	CallbackMsTs looseInt        `json:"CallbackMsTs"`
	EventInfo    json.RawMessage `json:"EventInfo"`
}

type eventInfo struct {
	RoomID       looseString `json:"RoomId"`
	RoomType     looseInt    `json:"RoomType"`
	EventTs      looseInt    `json:"EventTs"`
	EventMsTs    looseInt    `json:"EventMsTs"`
	EventTsMs    looseInt    `json:"EventTsMs"`
	UserID       looseString `json:"UserId"`
	UniqueID     looseInt    `json:"UniqueId"`
	Role         looseInt    `json:"Role"`
	TerminalType looseInt    `json:"TerminalType"`
	UserType     looseInt    `json:"UserType"`
	Reason       looseInt    `json:"Reason"`
	TaskID       looseString `json:"TaskId"`
	Status       looseInt    `json:"Status"`
	LeaveCode    looseInt    `json:"LeaveCode"`
	Payload      json.RawMessage
}

type payload struct {
	Status    looseInt    `json:"Status"`
	LeaveCode looseInt    `json:"LeaveCode"`
	Code      looseString `json:"Code"`
	ErrorCode looseString `json:"ErrorCode"`
	Message   looseString `json:"Message"`
	ErrorMsg  looseString `json:"ErrorMsg"`
	Errmsg    looseString `json:"Errmsg"`
	URL       looseString `json:"Url"`
}

// Decode parses a callback body. appID is the SdkAppId header, already verified.
func Decode(appID string, body []byte) (Event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		if !isObject(body) || errors.As(err, new(*json.SyntaxError)) {
			return Event{}, fmt.Errorf("%w: body is not a valid JSON object: %w", ErrInvalid, err)
		}
		// Only the two required fields are decoded strictly.
		return Event{}, fmt.Errorf("%w: EventGroupId and EventType must be integers: %w", ErrInvalid, err)
	}
	if env.EventGroupID == nil {
		return Event{}, fmt.Errorf("%w: missing EventGroupId", ErrInvalid)
	}
	if env.EventType == nil {
		return Event{}, fmt.Errorf("%w: missing EventType", ErrInvalid)
	}
	sentMs := env.CallbackTs.or(0)
	if sentMs == 0 {
		sentMs = env.CallbackMsTs.or(0)
	}
	// Every documented group sends one; without it a callback cannot be
	// checked against the replay window.
	if sentMs == 0 {
		return Event{}, fmt.Errorf("%w: missing CallbackTs (or CallbackMsTs)", ErrInvalid)
	}
	ev := Event{
		AppID:        appID,
		Group:        int(*env.EventGroupID),
		Type:         int(*env.EventType),
		CallbackMs:   sentMs,
		RoomType:     Absent,
		Role:         Absent,
		TerminalType: Absent,
		UserType:     Absent,
		Reason:       Absent,
		Status:       Absent,
		LeaveCode:    Absent,
	}
	var info eventInfo
	if isObject(env.EventInfo) {
		// Cannot fail: every field of eventInfo accepts any JSON value.
		_ = json.Unmarshal(env.EventInfo, &info)
	}
	ev.fill(&info)
	return ev, nil
}

func (ev *Event) fill(info *eventInfo) {
	ev.RoomID = string(info.RoomID)
	ev.UserID = string(info.UserID)
	ev.TaskID = string(info.TaskID)
	ev.UniqueID = info.UniqueID.or(0)
	ev.RoomType = info.RoomType.code()
	ev.Role = info.Role.code()
	ev.TerminalType = info.TerminalType.code()
	ev.UserType = info.UserType.code()
	ev.Reason = info.Reason.code()
	ev.Status = info.Status.code()
	ev.LeaveCode = info.LeaveCode.code()
	ev.EventMs = eventMs(info, ev.CallbackMs)
	if !isObject(info.Payload) {
		return
	}
	var p payload
	_ = json.Unmarshal(info.Payload, &p)          // cannot fail: loose fields
	_ = json.Unmarshal(info.Payload, &ev.Payload) // cannot fail: any object is a map
	if p.Status.ok {
		ev.Status = p.Status.code()
	}
	if p.LeaveCode.ok {
		ev.LeaveCode = p.LeaveCode.code()
	}
	ev.ErrorCode = firstNonEmpty(string(p.Code), string(p.ErrorCode))
	ev.ErrorMessage = firstNonEmpty(string(p.Message), string(p.ErrorMsg), string(p.Errmsg))
	ev.URL = string(p.URL)
}

// Bounds on an event's own time relative to when TRTC sent it: TRTC sends
// within seconds and retries for a minute, so a time far outside these is a
// client clock or a corrupt field, and trusting it would schedule timers in
// another year or order events wrongly.
const (
	maxEventAge  = 24 * time.Hour
	maxEventSkew = 5 * time.Minute
)

// eventMs is when the event happened (Unix ms): EventMsTs, else EventTsMs,
// else EventTs (seconds, or milliseconds when it is that large), falling back
// to the send time when absent or implausible.
func eventMs(info *eventInfo, callbackMs int64) int64 {
	ms := info.EventMsTs.or(info.EventTsMs.or(0))
	if ms == 0 && info.EventTs.ok {
		ms = info.EventTs.v
		if ms < 1e11 { // seconds: a millisecond timestamp passed 1e11 in 1973
			ms *= 1000
		}
	}
	if ms <= 0 || ms < callbackMs-maxEventAge.Milliseconds() || ms > callbackMs+maxEventSkew.Milliseconds() {
		return callbackMs
	}
	return ms
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// EventTime is when the event happened, falling back to when it was sent.
func (ev Event) EventTime() time.Time {
	ms := ev.EventMs
	if ms == 0 {
		ms = ev.CallbackMs
	}
	return time.UnixMilli(ms).UTC()
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

// looseInt is an optional integer that TRTC may send as a number or a
// string. Any other shape, or a value out of range, reads as absent.
type looseInt struct {
	v  int64
	ok bool
}

func (n *looseInt) UnmarshalJSON(b []byte) error {
	var f flexInt
	if bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte(`""`)) || f.UnmarshalJSON(b) != nil {
		return nil
	}
	n.v, n.ok = int64(f), true
	return nil
}

func (n looseInt) or(def int64) int64 {
	if n.ok {
		return n.v
	}
	return def
}

// code is the value as a catalogue code: Absent when missing or negative
// (no documented code is), and when too large to be one.
func (n looseInt) code() int {
	if !n.ok || n.v < 0 || n.v > math.MaxInt32 {
		return Absent
	}
	return int(n.v)
}

// looseString is an optional text field that TRTC may send as a string or a
// number (room 12345 and "12345" are the same room). Other shapes read as "".
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	var f flexString
	if f.UnmarshalJSON(b) == nil {
		*s = looseString(f)
	}
	return nil
}
