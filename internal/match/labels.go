package match

import "strings"

// Labels are the event fields group_by and inhibit's equal may name, and
// that silences match alerts by (beside rule and severity).
func Labels() []string { return []string{"app", "room", "user", "task", "event", "reason", "scene"} }

// Label returns the value of a group_by / equal / silence label for e.
func Label(e *Facts, name string) string {
	switch name {
	case "event":
		return e.Event.Name
	case "reason":
		return strings.TrimPrefix(e.Reason.Name, "reason.")
	case "room":
		// Numeric room 12345 and string room "12345" are different rooms.
		return e.RoomKey
	}
	return e.stringField(stringFields[name])
}
