package alert

import (
	"fmt"
	"strings"
)

// Describe says what happened in one plain sentence, e.g.
// "User `u42` left room `8489`: Timeout". It is the default text of a page
// and the `describe` function of rule templates, so both read the same.
// The event's values come from TRTC clients: each is quoted (Quoted) or
// made literal (Literal), so none can add a line or markup to the page.
func (e Event) Describe() string {
	var b strings.Builder
	ev, _ := e.Code("event")
	user, room := Quoted(e.User), Quoted(e.Room)
	switch {
	case ev.Name == "room.exit":
		fmt.Fprintf(&b, "User %s left room %s", user, room)
	case ev.Name == "room.enter":
		fmt.Fprintf(&b, "User %s entered room %s", user, room)
	case e.Task != "":
		fmt.Fprintf(&b, "%s: task %s in room %s", ev.Meaning, Quoted(e.Task), room)
	case e.User != "":
		fmt.Fprintf(&b, "%s: user %s in room %s", ev.Meaning, user, room)
	default:
		fmt.Fprintf(&b, "%s in room %s", ev.Meaning, room)
	}
	for _, f := range []string{"reason", "status", "leave_code", "relay_status"} {
		if m := e.Meaning(f); m != "" {
			fmt.Fprintf(&b, ": %s", m)
		}
	}
	if e.ErrorCode != "" || e.ErrorMessage != "" {
		fmt.Fprintf(&b, " (error %s %s)", Literal(e.ErrorCode), Literal(e.ErrorMessage))
	}
	return strings.TrimSpace(b.String())
}

// Headline is the event's name with its outcome, e.g.
// "User left room: Timeout": the default title of a page.
func (e Event) Headline() string {
	s := e.Meaning("event")
	for _, f := range []string{"reason", "status", "relay_status"} {
		if m := e.Meaning(f); m != "" {
			s += ": " + m
		}
	}
	return s
}
