package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// simStep is one callback of a scenario: sent after waiting `after`.
type simStep struct {
	after time.Duration
	group int
	typ   int
	info  map[string]any // EventInfo, without the timestamps simulate stamps fresh
	what  string         // what happened, in words, for the printout
}

// simScenario is a realistic, timed sequence of callbacks. The steps are
// built per run, with fresh room and task ids, so that running it twice
// within a dedup window still pages.
type simScenario struct {
	name  string
	about string
	steps func(room int, task string) []simStep
	// alone: only when named, not in "all" (the storm is 300 callbacks).
	alone bool
}

func scenarios() []simScenario {
	return []simScenario{
		{name: "room", about: "a room outage: the anchor and five viewers time out, one comes back", steps: roomScenario},
		{name: "recording", about: "a cloud recording whose files fail to upload", steps: recordingScenario},
		{name: "relay", about: "a relay to CDN that connects, flaps, then fails", steps: relayScenario},
		{name: "storm", about: "an outage: 200 users of one room time out within 20 s, half come back", steps: stormScenario, alone: true},
	}
}

// stormUsers is how many users the storm scenario drops.
const stormUsers = 200

// stormScenario is what an outage looks like from TRTC: a room's users time
// out one after another, then many come back. hook should page the room once
// (with updates), not each user.
func stormScenario(room int, _ string) []simStep {
	steps := make([]simStep, 0, stormUsers+stormUsers/2)
	for i := range stormUsers {
		user := fmt.Sprintf("viewer%03d", i)
		info := map[string]any{"RoomId": room, "UserId": user, "Role": 21, "Reason": 2}
		steps = append(steps, simStep{100 * time.Millisecond, 1, 104, info, user + " left: timeout"})
	}
	for i := 0; i < stormUsers; i += 2 {
		user := fmt.Sprintf("viewer%03d", i)
		info := map[string]any{"RoomId": room, "UserId": user, "Role": 21, "TerminalType": 2, "UserType": 3, "Reason": 3}
		steps = append(steps, simStep{50 * time.Millisecond, 1, 103, info, user + " came back (timeout retry)"})
	}
	return steps
}

func roomScenario(room int, _ string) []simStep {
	user := func(id string, role, terminal, reason int) map[string]any {
		return map[string]any{"RoomId": room, "UserId": id, "Role": role, "TerminalType": terminal, "UserType": 3, "Reason": reason}
	}
	exit := func(id string, role int) map[string]any {
		return map[string]any{"RoomId": room, "UserId": id, "Role": role, "Reason": 2}
	}
	return []simStep{
		{0, 1, 101, map[string]any{"RoomId": room, "UserId": "alice"}, fmt.Sprintf("room %d created", room)},
		{500 * time.Millisecond, 1, 103, user("alice", 20, 3, 1), "alice entered (iOS, anchor)"},
		{500 * time.Millisecond, 1, 103, user("dave", 21, 2, 1), "dave entered (Android, audience)"},
		{3 * time.Second, 1, 104, exit("alice", 20), "alice left: timeout (her client stopped answering)"},
		{500 * time.Millisecond, 1, 104, exit("dave", 21), "dave left: timeout"},
		{500 * time.Millisecond, 1, 104, exit("erin", 21), "erin left: timeout"},
		{500 * time.Millisecond, 1, 104, exit("frank", 21), "frank left: timeout"},
		{500 * time.Millisecond, 1, 104, exit("grace", 21), "grace left: timeout"},
		{500 * time.Millisecond, 1, 104, exit("heidi", 21), "heidi left: timeout"},
		{4 * time.Second, 1, 103, user("dave", 21, 2, 3), "dave came back (re-entered after a timeout)"},
	}
}

func recordingScenario(room int, task string) []simStep {
	info := func(payload map[string]any) map[string]any {
		return map[string]any{"RoomId": room, "UserId": "recorder_" + task, "TaskId": task, "Payload": payload}
	}
	return []simStep{
		{0, 3, 301, info(map[string]any{"Status": 0}), "recorder started"},
		{time.Second, 3, 303, info(map[string]any{"Status": 0}), "upload started"},
		{5 * time.Second, 3, 308, info(map[string]any{"Code": "InternalError", "Message": "upload to VOD failed: connection reset by peer"}), "upload error"},
		{2 * time.Second, 3, 302, info(map[string]any{"LeaveCode": 0}), "recorder stopped by API"},
		{time.Second, 3, 305, info(map[string]any{"Status": 1}), "upload stopped with files remaining"},
	}
}

func relayScenario(room int, task string) []simStep {
	status := func(s int, code int, msg string) map[string]any {
		return map[string]any{"RoomId": room, "RoomType": 0, "UserId": "alice", "TaskId": task,
			"Payload": map[string]any{"Url": "rtmp://push.example.com/live/" + task, "Status": s, "ErrorCode": code, "ErrorMsg": msg}}
	}
	return []simStep{
		{0, 4, 401, status(1, 0, ""), "relay connecting"},
		{2 * time.Second, 4, 401, status(2, 0, ""), "relay running"},
		{3 * time.Second, 4, 401, status(3, 0, ""), "relay recovering (CDN dropped the connection)"},
		{2 * time.Second, 4, 401, status(2, 0, ""), "relay running again"},
		{3 * time.Second, 4, 401, status(3, 0, ""), "relay recovering again"},
		{2 * time.Second, 4, 401, status(2, 0, ""), "relay running again"},
		{3 * time.Second, 4, 401, status(3, 0, ""), "relay recovering a third time: flapping"},
		{5 * time.Second, 4, 401, status(4, -100013, "connect to CDN server failed"), "relay failed (pages if not running within 60 s)"},
	}
}

// simIDs returns a room number and task id unique enough for one run.
func simIDs() (int, string) {
	return 100000 + rand.IntN(900000), fmt.Sprintf("sim-%08x", rand.Uint32())
}
