package rules

import (
	"time"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
)

// Facts is what matchers, `when:` expressions and templates see: the decoded
// callback with every code named by the catalogue. Fields that the callback did
// not carry are zero Codes (Value -1, empty Name) and match nothing.
type Facts struct {
	App  string
	Room string
	User string
	Task string

	Group       catalog.Code
	Event       catalog.Code
	Reason      catalog.Code
	Role        catalog.Code
	Terminal    catalog.Code
	UserType    catalog.Code
	Status      catalog.Code
	LeaveCode   catalog.Code
	RelayStatus catalog.Code

	ErrorCode    string
	ErrorMessage string
	URL          string
	// Payload is EventInfo.Payload as generic JSON, for fields hook has no name for.
	Payload map[string]any

	Time time.Time // when the event happened (UTC)
	Raw  callback.Event
}

// relayCDNStatus is the one relay event type; its Payload.Status has its own names.
const relayCDNStatus = 401

// NewFacts names a decoded callback's codes with cat.
func NewFacts(cat *catalog.Catalog, ev callback.Event) Facts {
	e := Facts{
		App:          ev.AppID,
		Room:         ev.RoomID,
		User:         ev.UserID,
		Task:         ev.TaskID,
		Group:        cat.Code(catalog.FieldGroup, 0, ev.Group),
		Event:        cat.Code(catalog.FieldEvent, 0, ev.Type),
		Reason:       code(cat, catalog.FieldReason, ev.Type, ev.Reason),
		Role:         code(cat, catalog.FieldRole, ev.Type, ev.Role),
		Terminal:     code(cat, catalog.FieldTerminal, ev.Type, ev.TerminalType),
		UserType:     code(cat, catalog.FieldUserType, ev.Type, ev.UserType),
		LeaveCode:    code(cat, catalog.FieldLeaveCode, ev.Type, ev.LeaveCode),
		ErrorCode:    ev.ErrorCode,
		ErrorMessage: ev.ErrorMessage,
		URL:          ev.URL,
		Payload:      ev.Payload,
		Time:         ev.EventTime(),
		Raw:          ev,
	}
	if ev.Type == relayCDNStatus {
		e.RelayStatus = code(cat, catalog.FieldRelayStatus, ev.Type, ev.Status)
		e.Status = absent(catalog.FieldStatus)
	} else {
		e.Status = code(cat, catalog.FieldStatus, ev.Type, ev.Status)
		e.RelayStatus = absent(catalog.FieldRelayStatus)
	}
	return e
}

func code(cat *catalog.Catalog, f catalog.Field, eventType, v int) catalog.Code {
	if v == callback.Absent {
		return absent(f)
	}
	return cat.Code(f, eventType, v)
}

func absent(f catalog.Field) catalog.Code {
	return catalog.Code{Field: f, Value: callback.Absent}
}

// codeField returns the event's code for a code-valued match field.
func (e *Facts) codeField(f catalog.Field) catalog.Code {
	switch f {
	case catalog.FieldGroup:
		return e.Group
	case catalog.FieldEvent:
		return e.Event
	case catalog.FieldReason:
		return e.Reason
	case catalog.FieldRole:
		return e.Role
	case catalog.FieldTerminal:
		return e.Terminal
	case catalog.FieldUserType:
		return e.UserType
	case catalog.FieldStatus:
		return e.Status
	case catalog.FieldLeaveCode:
		return e.LeaveCode
	case catalog.FieldRelayStatus:
		return e.RelayStatus
	}
	return catalog.Code{Value: callback.Absent}
}

// stringField returns the event's value for a string-valued match field.
func (e *Facts) stringField(f stringField) string {
	switch f {
	case fieldApp:
		return e.App
	case fieldRoom:
		return e.Room
	case fieldUser:
		return e.User
	case fieldTask:
		return e.Task
	case fieldErrorCode:
		return e.ErrorCode
	}
	return ""
}
