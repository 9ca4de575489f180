package match

import (
	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
)

// codeField is one callback field whose number the catalogue names. The
// table below is the only list of them: facts, matching, `when:` and
// template names, suggestions, the codes a notification carries (their
// facts; CodeWords gives them back the row's label: every page shows a code
// as a "label: meaning" line unless words' codeShown says why not), and the
// JSON schema's match keys are all read from it.
//
// A new code field is its row here, with what no table can give it: the
// Facts slot the row points at (`when:` and templates read fields by name),
// the field's rows in the catalogue's data (catalog/data/fields.tsv and
// callbacks.tsv), and its match key in rules.schema.json. TestCodeFieldRows
// proves each row decoded, matched, named, labelled and shown on the page;
// TestCodeFieldTableIsComplete and the schema test fail, naming it, when one
// of the others is missing.
type codeField struct {
	field catalog.Field
	// label names the field to people ("Leave code"); notifications carry it.
	label string
	// wire reads the field's number from a callback (callback.Absent when it
	// does not carry it).
	wire func(ev callback.Event) int
	// of points at the field in Facts, where matchers, `when:` and
	// templates read it (as .Reason, Reason.Name, ...).
	of func(e *Facts) *catalog.Code
}

// relayCDNStatus is the one relay event type; its Payload.Status has its own names.
const relayCDNStatus = 401

var codeFields = [...]codeField{
	{catalog.FieldGroup, "Group", func(ev callback.Event) int { return ev.Group }, func(e *Facts) *catalog.Code { return &e.Group }},
	{catalog.FieldEvent, "Event", func(ev callback.Event) int { return ev.Type }, func(e *Facts) *catalog.Code { return &e.Event }},
	{catalog.FieldReason, "Reason", func(ev callback.Event) int { return ev.Reason }, func(e *Facts) *catalog.Code { return &e.Reason }},
	{catalog.FieldRole, "Role", func(ev callback.Event) int { return ev.Role }, func(e *Facts) *catalog.Code { return &e.Role }},
	{catalog.FieldTerminal, "Terminal", func(ev callback.Event) int { return ev.TerminalType }, func(e *Facts) *catalog.Code { return &e.Terminal }},
	{catalog.FieldUserType, "User type", func(ev callback.Event) int { return ev.UserType }, func(e *Facts) *catalog.Code { return &e.UserType }},
	{catalog.FieldStatus, "Status", func(ev callback.Event) int {
		if ev.Type == relayCDNStatus {
			return callback.Absent
		}
		return ev.Status
	}, func(e *Facts) *catalog.Code { return &e.Status }},
	{catalog.FieldLeaveCode, "Leave code", func(ev callback.Event) int { return ev.LeaveCode }, func(e *Facts) *catalog.Code { return &e.LeaveCode }},
	{catalog.FieldRoomType, "Room type", func(ev callback.Event) int { return ev.RoomType }, func(e *Facts) *catalog.Code { return &e.RoomType }},
	{catalog.FieldRelayStatus, "Relay status", func(ev callback.Event) int {
		if ev.Type != relayCDNStatus {
			return callback.Absent
		}
		return ev.Status
	}, func(e *Facts) *catalog.Code { return &e.RelayStatus }},
}

// CodeField is the catalogue field a match key names ("leave_code"); ok is
// false for a key that names none.
func CodeField(key string) (catalog.Field, bool) {
	cf, ok := codeFieldByKey(key)
	return cf.field, ok
}

// codeFieldByKey finds a code field by its match key ("leave_code").
func codeFieldByKey(key string) (codeField, bool) {
	for _, cf := range codeFields {
		if string(cf.field) == key {
			return cf, true
		}
	}
	return codeField{}, false
}

// Codes lists every numeric code the event carries with the catalogue's
// words, in table order, as notifications carry them (and `hook test`
// prints them).
func (e *Facts) Codes() []alert.Code {
	cs := make([]alert.Code, 0, len(codeFields))
	for _, cf := range codeFields {
		c := cf.of(e)
		if c.Value < 0 {
			continue
		}
		cs = append(cs, alert.Code{Field: string(cf.field), Label: cf.label, Value: c.Value, Name: c.Name, Meaning: c.Title})
	}
	return cs
}

// codeFacts lists the event's codes as Codes does, without their words:
// as a notification carries them (PageEvent).
func (e *Facts) codeFacts() []alert.Code {
	cs := make([]alert.Code, 0, len(codeFields))
	for _, cf := range codeFields {
		if c := cf.of(e); c.Value >= 0 {
			cs = append(cs, alert.Code{Field: string(cf.field), Value: c.Value})
		}
	}
	return cs
}
