package alert

import (
	"fmt"
	"strings"
)

// Describe says what happened in one plain sentence, e.g.
// "User `u42` left room `8489`: Timeout". It is the default text of a page
// and the `describe` function of rule templates, so both read the same.
func (e Event) Describe() string {
	var b strings.Builder
	ev, _ := e.Code("event")
	switch {
	case ev.Name == "room.exit":
		fmt.Fprintf(&b, "User `%s` left room `%s`", e.User, e.Room)
	case ev.Name == "room.enter":
		fmt.Fprintf(&b, "User `%s` entered room `%s`", e.User, e.Room)
	case e.Task != "":
		fmt.Fprintf(&b, "%s: task `%s` in room `%s`", ev.Meaning, e.Task, e.Room)
	case e.User != "":
		fmt.Fprintf(&b, "%s: user `%s` in room `%s`", ev.Meaning, e.User, e.Room)
	default:
		fmt.Fprintf(&b, "%s in room `%s`", ev.Meaning, e.Room)
	}
	for _, f := range []string{"reason", "status", "leave_code", "relay_status"} {
		if m := e.Meaning(f); m != "" {
			fmt.Fprintf(&b, ": %s", m)
		}
	}
	if e.ErrorCode != "" || e.ErrorMessage != "" {
		fmt.Fprintf(&b, " (error %s %s)", e.ErrorCode, e.ErrorMessage)
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
