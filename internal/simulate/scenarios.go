// Package simulate is what hook simulate sends: realistic, timed scenarios
// of TRTC callbacks (a room outage, a failed upload, a relay that fails, a
// storm...), laid end to end on one clock (Plan), and each step as the
// signed request TRTC would send (Body, Send). The CLI paces and prints
// them; tests rehearse the same plan on a simulated clock.
package simulate

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Step is one callback of a scenario: sent At after the scenario starts
// (at --speed 1).
type Step struct {
	At    time.Duration
	Group int
	Type  int
	Info  map[string]any // EventInfo, without the timestamps simulate stamps fresh
	What  string         // what happened, in words, for the printout
}

// Scenario is a realistic, timed sequence of callbacks. The steps are
// built per run, with fresh room and task ids, so that running it twice
// within a dedup window still pages.
type Scenario struct {
	Name  string
	About string
	Steps func(room int, task string) []Step
	// Alone: only when named, not in "all" (the storm is 300 callbacks; live
	// and call take minutes and show the scene rules).
	Alone bool
	// Call: the callbacks come from the call app (--call-app), a second
	// SdkAppId, so that rules can declare it `scene: call`.
	Call bool
}

// Scenarios are what hook simulate plays, in the order "all" plays them.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "room", About: "a room outage: the anchor and five viewers time out, one comes back", Steps: roomScenario},
		{Name: "recording", About: "a cloud recording whose files fail to upload", Steps: recordingScenario},
		{Name: "relay", About: "a relay to CDN that blips for 15 s and heals, then loses the CDN for good", Steps: relayScenario},
		{Name: "live", About: "a live room of 2 anchors and 40 viewers: churn, the host gone, then a room outage", Steps: liveScenario, Alone: true},
		{Name: "call", About: "a call app of 20 calls: one participant drops, then an app-wide incident", Steps: callScenario, Alone: true, Call: true},
		{Name: "storm", About: "an outage: 200 users of one room time out within 20 s, half come back", Steps: stormScenario, Alone: true},
	}
}

// Callback bodies, as TRTC's documents give them (trtc.io/document/39558 and
// 54913): TerminalType and UserType come on 103 only; Role on 103 and 104;
// Reason 1 normal, on 103 3 is a timeout retry, on 104 2 is a timeout (an
// Android force-close arrives as one too).
const (
	roleAnchor   = 20
	roleAudience = 21

	enterNormal  = 1
	enterRetry   = 3 // re-entering after a timeout
	exitNormal   = 1
	exitTimeout  = 2
	termWindows  = 1
	termAndroid  = 2
	termIOS      = 3
	userWebRTC   = 1
	userMiniProg = 2
	userNative   = 3

	relayConnecting = 1
	relayRunning    = 2
	relayRecovering = 3
	relayFailure    = 4
)

// roomOf builds the EventInfo of one room's group 1 callbacks.
type roomOf int

func (r roomOf) create(creator string) map[string]any {
	return map[string]any{"RoomId": int(r), "UserId": creator}
}

func (r roomOf) dismiss() map[string]any { return map[string]any{"RoomId": int(r)} }

func (r roomOf) enter(user string, role, terminal, userType, reason int) map[string]any {
	return map[string]any{"RoomId": int(r), "UserId": user, "Role": role, "TerminalType": terminal, "UserType": userType, "Reason": reason}
}

func (r roomOf) exit(user string, role, reason int) map[string]any {
	return map[string]any{"RoomId": int(r), "UserId": user, "Role": role, "Reason": reason}
}

// changeRole is a 105: user switched to role.
func (r roomOf) changeRole(user string, role int) map[string]any {
	return map[string]any{"RoomId": int(r), "UserId": user, "Role": role}
}

// sec is s seconds, for the timelines below.
func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// ordered sorts steps by time, keeping the written order of equal times.
func ordered(steps []Step) []Step {
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
	return steps
}

// StormUsers is how many users the storm scenario drops.
const StormUsers = 200

// stormScenario is what an outage looks like from TRTC: a room's users time
// out one after another, then many come back. hook should page the room once
// (with updates), not each user.
func stormScenario(room int, _ string) []Step {
	r := roomOf(room)
	steps := make([]Step, 0, StormUsers+StormUsers/2)
	at := time.Duration(0)
	for i := range StormUsers {
		user := fmt.Sprintf("viewer%03d", i)
		at += 100 * time.Millisecond
		steps = append(steps, Step{at, 1, 104, r.exit(user, roleAudience, exitTimeout), user + " left: timeout"})
	}
	for i := 0; i < StormUsers; i += 2 {
		user := fmt.Sprintf("viewer%03d", i)
		at += 50 * time.Millisecond
		steps = append(steps, Step{at, 1, 103, r.enter(user, roleAudience, termAndroid, userNative, enterRetry), user + " came back (timeout retry)"})
	}
	return steps
}

func roomScenario(room int, _ string) []Step {
	r := roomOf(room)
	steps := []Step{
		{0, 1, 101, r.create("alice"), fmt.Sprintf("room %d created", room)},
		{sec(0.5), 1, 103, r.enter("alice", roleAnchor, termIOS, userNative, enterNormal), "alice entered (iOS, anchor)"},
	}
	at := sec(0.5)
	for _, v := range []string{"dave", "erin", "frank", "grace", "heidi"} {
		at += sec(0.2)
		steps = append(steps, Step{at, 1, 103, r.enter(v, roleAudience, termAndroid, userNative, enterNormal), v + " entered (Android, audience)"})
	}
	at += sec(2)
	steps = append(steps, Step{at, 1, 104, r.exit("alice", roleAnchor, exitTimeout), "alice left: timeout (her client stopped answering)"})
	for _, v := range []string{"dave", "erin", "frank", "grace", "heidi"} {
		at += sec(0.5)
		steps = append(steps, Step{at, 1, 104, r.exit(v, roleAudience, exitTimeout), v + " left: timeout"})
	}
	at += sec(4)
	return append(steps, Step{at, 1, 103, r.enter("dave", roleAudience, termAndroid, userNative, enterRetry), "dave came back (re-entered after a timeout)"})
}

func recordingScenario(room int, task string) []Step {
	info := func(payload map[string]any) map[string]any {
		return map[string]any{"RoomId": room, "UserId": "recorder_" + task, "TaskId": task, "Payload": payload}
	}
	return []Step{
		{0, 3, 301, info(map[string]any{"Status": 0}), "recorder started"},
		{sec(1), 3, 303, info(map[string]any{"Status": 0}), "upload started"},
		{sec(6), 3, 308, info(map[string]any{"Code": "InternalError", "Message": "upload to VOD failed: connection reset by peer"}), "upload error"},
		{sec(8), 3, 302, info(map[string]any{"LeaveCode": 0}), "recorder stopped by API"},
		{sec(9), 3, 305, info(map[string]any{"Status": 1}), "upload stopped with files remaining"},
	}
}

// relay builds the 401 callbacks of one relay task pushing to url. UserId is
// the relay's robot user (the task's AgentParams.UserId).
type relay struct {
	room      int
	task, url string
}

func (r relay) status(s, code int, msg string) map[string]any {
	payload := map[string]any{"Url": r.url, "Status": s}
	if s == relayFailure {
		payload["ErrorCode"], payload["ErrorMsg"] = code, msg
	}
	return map[string]any{"RoomId": r.room, "RoomType": 0, "UserId": "relay_" + r.task, "TaskId": r.task, "Payload": payload}
}

// connect is CONNECTING, then RUNNING 2 s later.
func (r relay) connect(at time.Duration) []Step {
	return []Step{
		{at, 4, 401, r.status(relayConnecting, 0, ""), "relay connecting"},
		{at + sec(2), 4, 401, r.status(relayRunning, 0, ""), "relay running"},
	}
}

// blip is the CDN dropping the push for 15 s: TRTC repeats RECOVERING every
// 5 s while it reconnects (three callbacks), then RUNNING.
func (r relay) blip(at time.Duration) []Step {
	return []Step{
		{at, 4, 401, r.status(relayRecovering, 0, ""), "relay recovering (the CDN dropped the push)"},
		{at + sec(5), 4, 401, r.status(relayRecovering, 0, ""), "relay recovering (TRTC repeats it every 5 s)"},
		{at + sec(10), 4, 401, r.status(relayRecovering, 0, ""), "relay recovering"},
		{at + sec(15), 4, 401, r.status(relayRunning, 0, ""), "relay running again after a 15 s blip"},
	}
}

// lost is the CDN gone for good: RECOVERING every 5 s for 60 s, then TRTC
// gives up with FAILURE, which is final.
func (r relay) lost(at time.Duration) []Step {
	var steps []Step
	for i := range 12 {
		what := "relay recovering (repeats every 5 s)"
		if i == 0 {
			what = "relay recovering (the CDN stopped answering)"
		}
		steps = append(steps, Step{at + sec(5*float64(i)), 4, 401, r.status(relayRecovering, 0, ""), what})
	}
	return append(steps, Step{at + sec(60), 4, 401, r.status(relayFailure, -100013, "connect to CDN server failed"),
		"relay failed: TRTC gave up after 60 s of retries"})
}

func relayScenario(room int, task string) []Step {
	r := relay{room: room, task: task, url: "rtmp://push.example.com/live/" + task}
	steps := r.connect(0)
	steps = append(steps, r.blip(sec(10))...)
	return append(steps, r.lost(sec(35))...)
}

// Live room: two anchors on stage (the host and a co-host) and liveViewers
// viewers.
const liveViewers = 40

// liveViewer is viewer i's name and client: a mix of Android and iOS apps, a
// mini program and browsers (WebRTC).
func liveViewer(i int) (name string, terminal, userType int) {
	name = fmt.Sprintf("viewer%02d", i)
	switch i % 5 {
	case 0, 1:
		return name, termAndroid, userNative
	case 2:
		return name, termIOS, userNative
	case 3:
		return name, termWindows, userWebRTC
	default:
		return name, termAndroid, userMiniProg
	}
}

// liveSetup creates the room and brings everyone in within ten seconds.
func liveSetup(r roomOf) []Step {
	steps := []Step{
		{0, 1, 101, r.create("host"), fmt.Sprintf("room %d created", int(r))},
		{sec(0.5), 1, 103, r.enter("host", roleAnchor, termIOS, userNative, enterNormal), "host entered (iOS, anchor)"},
		{sec(1), 1, 103, r.enter("cohost", roleAnchor, termAndroid, userNative, enterNormal), "cohost entered (Android, anchor)"},
	}
	for i := range liveViewers {
		v, term, ut := liveViewer(i)
		steps = append(steps, Step{sec(2 + 0.2*float64(i)), 1, 103, r.enter(v, roleAudience, term, ut, enterNormal), v + " entered (audience)"})
	}
	return steps
}

// liveChurn is audience churn from `at` on: liveChurners viewers time out
// over 44 s, one every 4 s; most come back 12 s later, every third never
// does (they closed the app: an Android force-close arrives as a timeout).
// A fifth of the room at most is away at any time: never an outage.
func liveChurn(r roomOf, at time.Duration) []Step {
	var steps []Step
	for k := range liveChurners {
		i := churner(k)
		v, term, ut := liveViewer(i)
		drop := at + sec(4*float64(k))
		steps = append(steps, Step{drop, 1, 104, r.exit(v, roleAudience, exitTimeout), v + " left: timeout (churn)"})
		if !churnedAway(i) {
			steps = append(steps, Step{drop + sec(12), 1, 103, r.enter(v, roleAudience, term, ut, enterRetry), v + " came back"})
		}
	}
	return steps
}

// liveChurners is how many viewers churn: viewers 3, 6, ... 36.
const liveChurners = 12

func churner(k int) int { return 3 + 3*k }

// churnedAway reports whether viewer i churns and never comes back: the
// 2nd, 5th, 8th and 11th churner.
func churnedAway(i int) bool {
	k := (i - 3) / 3
	return i >= 3 && i%3 == 0 && k < liveChurners && k%3 == 1
}

// liveHostGone is the host's client dying at `at`: no 103 follows.
func liveHostGone(r roomOf, at time.Duration) []Step {
	return []Step{{at, 1, 104, r.exit("host", roleAnchor, exitTimeout), "host left: timeout (and never comes back)"}}
}

// liveOutage drops every anchor still on stage and most present viewers
// within 3 s at `at` (the mini-program viewers stay): most of the room at
// once. Nobody comes back.
func liveOutage(r roomOf, before []Step, at time.Duration) []Step {
	var steps []Step
	for _, m := range present(r, before) {
		if m.role == roleAudience && strings.HasPrefix(m.user, "viewer") {
			if i, _ := strconv.Atoi(m.user[len("viewer"):]); i%5 == 4 {
				continue
			}
		}
		steps = append(steps, Step{at + sec(0.1*float64(len(steps))), 1, 104, r.exit(m.user, m.role, exitTimeout), m.user + " left: timeout (room outage)"})
	}
	return steps
}

// liveScenario: churn that must not page, the host gone for good (one anchor
// page), then a room outage (one room page; the co-host's page is held
// back), and the room's end.
func liveScenario(room int, _ string) []Step {
	r := roomOf(room)
	steps := liveSetup(r)
	steps = append(steps, liveChurn(r, sec(15))...)
	steps = append(steps, liveHostGone(r, sec(75))...)
	steps = append(steps, liveOutage(r, steps, sec(120))...)
	return ordered(append(steps, endRoom(r, steps, sec(175))...))
}

// member is a user present in a room, with the role they entered as.
type member struct {
	user string
	role int
}

// present replays steps (103 adds, 104 removes, 102 empties) and returns who
// is in room r at the end, in the order they entered.
func present(r roomOf, steps []Step) []member {
	var in []member
	for _, st := range ordered(slices.Clone(steps)) {
		if st.Group != 1 || st.Info["RoomId"] != int(r) {
			continue
		}
		user, _ := st.Info["UserId"].(string)
		if st.Type == 105 { // a role switch: still in, in their new role
			for i := range in {
				if in[i].user == user {
					in[i].role = st.Info["Role"].(int)
				}
			}
			continue
		}
		in = slices.DeleteFunc(in, func(m member) bool { return m.user == user || st.Type == 102 })
		if st.Type == 103 {
			in = append(in, member{user, st.Info["Role"].(int)})
		}
	}
	return in
}

// dismissed reports whether steps end room r.
func dismissed(r roomOf, steps []Step) bool {
	return slices.ContainsFunc(steps, func(st Step) bool { return st.Type == 102 && st.Info["RoomId"] == int(r) })
}

// endRoom is everyone still in room r after steps leaving normally from `at`,
// a tenth of a second apart, then TRTC dismissing the room (102).
func endRoom(r roomOf, steps []Step, at time.Duration) []Step {
	var out []Step
	for _, m := range present(r, steps) {
		out = append(out, Step{at, 1, 104, r.exit(m.user, m.role, exitNormal), m.user + " left"})
		at += sec(0.1)
	}
	return append(out, Step{at, 1, 102, r.dismiss(), fmt.Sprintf("room %d dismissed", int(r))})
}

// A call app: callPairs one-to-one calls and callGroups group calls of four,
// every participant role 20 (TRTC's VideoCall and AudioCall scenes have no
// audience). Call c is room base+c.
const callPairs, callGroups = 15, 5

type callRoom struct {
	room  roomOf
	users []string
}

func callRooms(base int) []callRoom {
	var calls []callRoom
	n := 0
	for c := range callPairs + callGroups {
		size := 2
		if c >= callPairs {
			size = 4
		}
		cr := callRoom{room: roomOf(base + c)}
		for range size {
			n++
			cr.users = append(cr.users, fmt.Sprintf("user%03d", n))
		}
		calls = append(calls, cr)
	}
	return calls
}

// callSetup starts every call within ten seconds.
func callSetup(calls []callRoom) []Step {
	var steps []Step
	at := time.Duration(0)
	for _, c := range calls {
		steps = append(steps, Step{at, 1, 101, c.room.create(c.users[0]), fmt.Sprintf("call %d started by %s", int(c.room), c.users[0])})
		for j, u := range c.users {
			at += sec(0.1)
			term := []int{termIOS, termAndroid}[j%2]
			steps = append(steps, Step{at, 1, 103, c.room.enter(u, roleAnchor, term, userNative, enterNormal), fmt.Sprintf("%s joined call %d", u, int(c.room))})
		}
	}
	return steps
}

// callOneDrop: one participant of call c loses signal at `at` and does not
// come back; the other hangs up 10 s later and the call ends.
func callOneDrop(c callRoom, at time.Duration) []Step {
	return []Step{
		{at, 1, 104, c.room.exit(c.users[1], roleAnchor, exitTimeout), c.users[1] + " left: timeout (lost signal)"},
		{at + sec(10), 1, 104, c.room.exit(c.users[0], roleAnchor, exitNormal), c.users[0] + " hung up"},
		{at + sec(11), 1, 102, c.room.dismiss(), fmt.Sprintf("call %d ended", int(c.room))},
	}
}

// callIncident: from `at`, within 30 s, one participant of every one-to-one
// call and three of every group call drop by timeout: three in five of the
// app's users, in every call (an app-wide incident: a region or network
// outage). Nobody comes back.
func callIncident(calls []callRoom, at time.Duration) []Step {
	var steps []Step
	for _, c := range calls {
		n := 1
		if len(c.users) == 4 {
			n = 3
		}
		for _, u := range c.users[:n] {
			steps = append(steps, Step{0, 1, 104, c.room.exit(u, roleAnchor, exitTimeout), u + " left: timeout (app-wide incident)"})
		}
	}
	for i := range steps {
		steps[i].At = at + sec(30*float64(i)/float64(len(steps)))
	}
	return steps
}

// endCalls hangs up every call still going after steps, from `at`.
func endCalls(calls []callRoom, steps []Step, at time.Duration) []Step {
	var out []Step
	for _, c := range calls {
		if dismissed(c.room, steps) {
			continue
		}
		end := endRoom(c.room, steps, at)
		out = append(out, end...)
		at = end[len(end)-1].At + sec(0.1)
	}
	return out
}

// callScenario: one dropped participant (no page), then an app-wide incident
// (one page for the app), and every call's end.
func callScenario(room int, _ string) []Step {
	calls := callRooms(room)
	steps := callSetup(calls)
	steps = append(steps, callOneDrop(calls[0], sec(15))...)
	steps = append(steps, callIncident(calls[1:], sec(40))...)
	return ordered(append(steps, endCalls(calls, steps, sec(100))...))
}

// IDs returns a room number and task id unique enough for one run.
func IDs() (int, string) {
	return 100000 + rand.IntN(900000), fmt.Sprintf("sim-%08x", rand.Uint32())
}
