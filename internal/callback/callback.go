// Package callback decodes the JSON envelope TRTC posts for every callback group.
//
// TRTC is inconsistent across groups and documentation versions: ids arrive as
// numbers or strings, timestamps under two spellings, keys in two cases. Decode
// accepts every documented variant and ignores unknown fields, because rejecting
// a callback TRTC considers valid would lose an event: every optional field of an
// unexpected shape reads as absent.
//
// What Decode refuses (ErrInvalid, which the handler answers with 400):
//   - a body that is not a JSON object;
//   - EventGroupId or EventType missing, not an integer (a number or a numeric
//     string; "" is not one), or not positive;
//   - an EventType that does not belong to its EventGroupId. TRTC numbers a group's
//     types group*100+n (101-105 are room events, 901-909 AI), and the catalogue
//     assigns a type to its group by the same rule, so EventType/100 must equal
//     EventGroupId: group 9 with type 301 is refused. A type hook does not know
//     inside a group (a 910 tomorrow) is accepted and decoded generically, since a
//     400 would make TRTC give up on an event it considers valid;
//   - no send time (CallbackTs or CallbackMsTs), without which the replay window
//     cannot be checked;
//   - a key given twice in one object, comparing keys ignoring ASCII case
//     ("Status" and "status"): hook would otherwise have to pick one, and its typed
//     fields and the generic Payload map could pick differently.
//
// Keys name a field when they equal its name ignoring ASCII case only (roomID is
// RoomId); a key that merely looks alike through Unicode case folding (Statuſ with
// a long s, CallbacKTs with a Kelvin sign) is not the field. See scan.go.
package callback

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalid marks a body that is not a usable callback (see the package
// documentation). The handler answers 400 for it.
var ErrInvalid = errors.New("invalid callback")

// Absent is the value of an optional numeric field the callback did not carry.
// TRTC itself uses -1 for "not used", and no documented code is negative.
const Absent = -1

// Room types, as TRTC numbers them in the relay callback's RoomType and the AI
// callbacks' RoomIdType.
const (
	RoomNumeric = 0 // the room id is a number (TRTC's RoomId)
	RoomString  = 1 // the room id is a string (TRTC's StrRoomId)
)

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

	// RoomID is RoomId (or roomID) as text: a number keeps its decimal text. It
	// does not say which kind of room it is; RoomType does, and RoomKey combines both.
	RoomID string
	// RoomType is RoomNumeric or RoomString: the callback's RoomType (relay) or
	// RoomIdType (AI) when it carries one, else how RoomId arrived, since TRTC's
	// documents say it has "the same type as the room ID on the client": a JSON
	// number is a numeric room, a JSON string a string room. Absent without a RoomId.
	RoomType     int
	UserID       string // UserId, else Payload.UserId (the speaker of an AI event)
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
	// StatusText is Payload.Status when TRTC sends it as words rather than a
	// number (the AI session status "session_ready").
	StatusText string
	// ErrorCode is Payload.Code, ErrorCode, or Tag.Code (AI error metric).
	ErrorCode string
	// ErrorMessage is the error text TRTC gives: Payload.Message, ErrorMsg, Errmsg,
	// Tag.Message (AI error metric), or EventMessage (web page recording, in
	// Payload or EventInfo).
	ErrorMessage string
	URL          string

	// AI conversation (group 9) payloads.
	Text        string  // what was said: Payload.Text (903, 905)
	RoundID     string  // Payload.RoundId or Payload.Tag.RoundId: one round of the conversation
	Metric      string  // Payload.Metric (906, 908), e.g. llm_first_token
	MetricValue float64 // Payload.Value (906); meaningful when Metric is set

	// Payload is EventInfo.Payload as generic JSON, for rules and templates
	// that name fields hook does not. Decode leaves it nil and keeps the
	// object as sent in RawPayload: DecodePayload fills it, and the rules do
	// so only when a rule or template reads it (a generic map costs a dozen
	// allocations a callback).
	Payload    map[string]any
	RawPayload []byte
}

// RoomKey identifies the event's room among the rooms of its app, for keying
// state: TRTC's numeric and string rooms are separate, so room 12345 and room
// "12345" are different rooms. A numeric room keys as its id ("12345"), a string
// room as "s:" and its id ("s:12345"); a room of unknown type keys as its id.
// "" when the callback names no room. Numeric ids never contain a colon, so the
// two kinds never collide.
func (ev Event) RoomKey() string {
	if ev.RoomType == RoomString {
		return "s:" + ev.RoomID
	}
	return ev.RoomID
}

// EventTime is when the event happened, falling back to when it was sent.
func (ev Event) EventTime() time.Time {
	ms := ev.EventMs
	if ms == 0 {
		ms = ev.CallbackMs
	}
	return time.UnixMilli(ms).UTC()
}

// Decode parses a callback body. appID is the SdkAppId header, already verified.
func Decode(appID string, body []byte) (Event, error) {
	if !validJSON(body) {
		var probe struct{}
		err := json.Unmarshal(body, &probe) // only to say why
		return Event{}, fmt.Errorf("%w: body is not a valid JSON object: %w", ErrInvalid, err)
	}
	start := skipSpace(body, 0)
	if body[start] != '{' {
		return Event{}, fmt.Errorf("%w: body is not a valid JSON object: it is %s", ErrInvalid, printableJSON(body[start:]))
	}
	if err := checkKeys(body); err != nil {
		return Event{}, err
	}
	env := readEnvelope(body[start:])
	group, err := requiredInt("EventGroupId", env.group)
	if err != nil {
		return Event{}, err
	}
	typ, err := requiredInt("EventType", env.typ)
	if err != nil {
		return Event{}, err
	}
	if typ/100 != group {
		return Event{}, fmt.Errorf("%w: EventType %d does not belong to EventGroupId %d (TRTC numbers a group's types group*100+n)", ErrInvalid, typ, group)
	}
	sentMs := env.callbackTs.or(0)
	if sentMs == 0 {
		sentMs = env.callbackMsTs.or(0)
	}
	// Every documented group sends one; without it a callback cannot be
	// checked against the replay window.
	if sentMs == 0 {
		return Event{}, fmt.Errorf("%w: missing CallbackTs (or CallbackMsTs)", ErrInvalid)
	}
	ev := Event{
		AppID:        appID,
		Group:        int(group),
		Type:         int(typ),
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
	if isObject(env.info) {
		info = readEventInfo(env.info)
	}
	ev.fill(&info)
	return ev, nil
}

// requiredInt reads EventGroupId or EventType: present, an integer, positive and
// small enough to be a code.
func requiredInt(name string, raw []byte) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, fmt.Errorf("%w: missing %s", ErrInvalid, name)
	}
	v, ok := parseInt(raw)
	if !ok {
		return 0, fmt.Errorf("%w: EventGroupId and EventType must be integers: %s is %s", ErrInvalid, name, printableJSON(raw))
	}
	if v <= 0 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%w: EventGroupId and EventType must be positive integers: %s is %d", ErrInvalid, name, v)
	}
	return v, nil
}

func (ev *Event) fill(info *eventInfo) {
	ev.RoomID = info.room.text
	ev.RoomType = info.roomType()
	ev.UserID = firstNonEmpty(info.userID, info.payload.userID)
	ev.TaskID = info.taskID
	ev.UniqueID = info.uniqueID.or(0)
	ev.Role = info.role.code()
	ev.TerminalType = info.terminalType.code()
	ev.UserType = info.userType.code()
	ev.Reason = info.reason.code()
	ev.Status = info.status.code()
	ev.LeaveCode = info.leaveCode.code()
	ev.EventMs = eventMs(info, ev.CallbackMs)

	p := &info.payload
	if p.status.ok {
		ev.Status = p.status.code()
	}
	if p.leaveCode.ok {
		ev.LeaveCode = p.leaveCode.code()
	}
	ev.StatusText = p.statusText
	ev.ErrorCode = firstNonEmpty(p.code, p.errorCode, p.tagCode)
	ev.ErrorMessage = firstNonEmpty(p.message, p.errorMsg, p.errmsg, p.tagMessage, p.eventMessage, info.eventMessage)
	ev.URL = p.url
	ev.Text = p.text
	ev.RoundID = firstNonEmpty(p.roundID, p.tagRoundID)
	ev.Metric = p.metric
	ev.MetricValue = p.metricValue
	if isObject(info.payloadRaw) {
		ev.RawPayload = info.payloadRaw
	}
}

// DecodePayload fills Payload from RawPayload, unless it is already set.
func (ev *Event) DecodePayload() {
	if ev.Payload != nil || len(ev.RawPayload) == 0 {
		return
	}
	var generic map[string]any
	// Cannot fail: Decode checked that the body is valid JSON and kept the
	// payload only when it is an object.
	_ = json.Unmarshal(ev.RawPayload, &generic)
	ev.Payload = generic
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
	ms := info.eventMsTs.or(info.eventTsMs.or(0))
	if ms == 0 && info.eventTs.ok {
		ms = info.eventTs.v
		if ms < 1e11 { // seconds: a millisecond timestamp passed 1e11 in 1973
			ms *= 1000
		}
	}
	if ms <= 0 || ms < callbackMs-maxEventAge.Milliseconds() || ms > callbackMs+maxEventSkew.Milliseconds() {
		return callbackMs
	}
	return ms
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
