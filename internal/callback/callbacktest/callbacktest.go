// Package callbacktest builds the callbacks tests send through rules and the
// engine.
package callbacktest

import "github.com/hookdev/hook/internal/callback"

// Exit is user u42 (an anchor, role 20) leaving room 8489 of app 1400000001
// (event 104) with the given reason, at Unix ms 1700000000000; the fields the
// event does not carry are callback.Absent.
func Exit(reason int) callback.Event {
	return callback.Event{AppID: "1400000001", Group: 1, Type: 104, CallbackMs: 1700000000000, EventMs: 1700000000000,
		RoomID: "8489", UserID: "u42", Role: 20, TerminalType: callback.Absent, UserType: callback.Absent,
		Reason: reason, Status: callback.Absent, LeaveCode: callback.Absent, RoomType: callback.Absent}
}
