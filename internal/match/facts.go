package match

import (
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
)

// Facts is what matchers, `when:` expressions and templates see: the decoded
// callback with every code named by the catalogue (codeFields fills them).
// Fields that the callback did not carry are zero Codes (Value -1, empty
// Name) and match nothing.
type Facts struct {
	App  string
	Room string
	// RoomKey tells numeric rooms from string rooms with the same digits:
	// "12345" for room 12345, "s:12345" for room "12345". Default keys (dedup,
	// pending, threshold, incident) and the room label use it.
	RoomKey string
	User    string
	Task    string
	// Scene is the app's scene as the rules file declares it (SceneLive or
	// SceneCall), DefaultScene for an app that declares none.
	Scene string

	Group       catalog.Code
	Event       catalog.Code
	Reason      catalog.Code
	Role        catalog.Code
	Terminal    catalog.Code
	UserType    catalog.Code
	Status      catalog.Code
	LeaveCode   catalog.Code
	RoomType    catalog.Code
	RelayStatus catalog.Code

	ErrorCode    string
	ErrorMessage string
	URL          string
	// Payload is EventInfo.Payload as generic JSON, for fields hook has no name for.
	Payload map[string]any

	Time time.Time // when the event happened (UTC)
	Raw  callback.Event
}

// NewFacts names a decoded callback's codes with cat, its payload decoded.
// It knows no rules file, so its Scene is DefaultScene: set it from the
// ruleset's Scene where one is known.
func NewFacts(cat *catalog.Catalog, ev callback.Event) Facts {
	ev.DecodePayload()
	var e Facts
	Fill(&e, cat, ev)
	e.Scene = DefaultScene
	return e
}

// Fill fills e from a decoded callback, its codes named by cat: NewFacts
// without decoding the payload, which the caller decodes (or not) first,
// and with no scene. Filling a caller's Facts lets a busy server reuse them.
func Fill(e *Facts, cat *catalog.Catalog, ev callback.Event) {
	*e = Facts{
		App:          ev.AppID,
		Room:         ev.RoomID,
		RoomKey:      ev.RoomKey(),
		User:         ev.UserID,
		Task:         ev.TaskID,
		ErrorCode:    ev.ErrorCode,
		ErrorMessage: ev.ErrorMessage,
		URL:          ev.URL,
		Payload:      ev.Payload,
		Time:         ev.EventTime(),
		Raw:          ev,
	}
	for _, cf := range codeFields {
		*cf.of(e) = code(cat, cf, ev)
	}
}

func code(cat *catalog.Catalog, cf codeField, ev callback.Event) catalog.Code {
	v := cf.wire(ev)
	if v == callback.Absent {
		return catalog.Code{Field: cf.field, Value: callback.Absent}
	}
	// The catalogue ignores the event type for fields that mean the same
	// in every event.
	return cat.Code(cf.field, ev.Type, v)
}

// AlertEvent is the callback's facts with the catalogue's words for its
// codes: what describe and `hook test` read.
func (e *Facts) AlertEvent() alert.Event {
	ev := e.PageEvent()
	ev.Codes = e.Codes()
	return ev
}

// PageEvent is the callback's facts as a notification carries them: its
// codes' fields and values, not the catalogue's words for them, which
// whoever reads the page from the outbox fills back in (CodeWords). The
// words are derived text; leaving them out makes the page the fire script
// is handed (and the outbox keeps) smaller.
func (e *Facts) PageEvent() alert.Event {
	return alert.Event{
		App: e.App, Room: e.Room, RoomKey: e.RoomKey, User: e.User, Task: e.Task, Scene: e.Scene,
		Codes:     e.codeFacts(),
		ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage, URL: e.URL,
		Time: e.Time,
	}
}

// codeField returns the event's code for a code-valued match field.
func (e *Facts) codeField(f catalog.Field) catalog.Code {
	for _, cf := range codeFields {
		if cf.field == f {
			return *cf.of(e)
		}
	}
	return catalog.Code{Value: callback.Absent}
}

// stringField returns the event's value for a string-valued match field.
func (e *Facts) stringField(f StringField) string {
	switch f {
	case FieldApp:
		return e.App
	case FieldRoom:
		return e.Room
	case FieldUser:
		return e.User
	case FieldTask:
		return e.Task
	case FieldErrorCode:
		return e.ErrorCode
	case FieldScene:
		return e.Scene
	}
	return ""
}
