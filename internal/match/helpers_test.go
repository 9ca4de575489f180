package match

import (
	"github.com/hookdev/hook/internal/callback"
)

// exitEvent is a user leaving room 8489 (event 104) with the given reason.
func exitEvent(reason int) callback.Event {
	return callback.Event{AppID: "1400000001", Group: 1, Type: 104, CallbackMs: 1700000000000, EventMs: 1700000000000,
		RoomID: "8489", UserID: "u42", Role: 20, TerminalType: callback.Absent, UserType: callback.Absent,
		Reason: reason, Status: callback.Absent, LeaveCode: callback.Absent, RoomType: callback.Absent}
}
