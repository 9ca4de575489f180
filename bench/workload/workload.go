// Package workload builds the signed TRTC callback bodies the load harness
// sends: one kind of traffic per workload, each body signed the way TRTC signs
// (base64 of HMAC-SHA256 over the exact bytes), with the send time of the run.
//
// Bodies are compact JSON on one line, so a pool can be written one request
// per line for wrk's Lua script.
package workload

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind names a workload.
type Kind string

// The workloads of issue 14. Each has a fixed shape; what varies per request
// is chosen so that hook does the work the name promises (see Spec).
const (
	Routine  Kind = "routine"  // 101 room created: matches no rule, touches no Redis
	Enter    Kind = "enter"    // 103 user entered: may clear a pending drop (one script)
	Alerting Kind = "alerting" // 301 recording failed to start: pages, one per request
	Storm    Kind = "storm"    // 104 exits by timeout: many users over few rooms
)

// Kinds lists every workload in the order the harness runs them.
var Kinds = []Kind{Routine, Enter, Alerting, Storm}

// ParseKind accepts a workload name.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if slices.Contains(Kinds, k) {
		return k, nil
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown workload %q: use one of %s", s, strings.Join(names, ", "))
}

// Rooms is how many rooms the enter and storm workloads spread their users over.
const Rooms = 100

// Request is one signed callback.
type Request struct {
	Body []byte
	Sign string // the Sign header value
}

// Spec says what to generate.
type Spec struct {
	Kind Kind
	// Count is how many distinct requests to build.
	Count int
	// First is the sequence number of the first request: pools built for the
	// same run with different First values never share a user, room or task.
	First int
	// Key is the callback key the bodies are signed with.
	Key []byte
	// Now is the send time written into every body (CallbackTs, EventMsTs).
	// hook refuses bodies older than its replay window, so sign at the start
	// of each run.
	Now time.Time
}

// Build returns the signed requests of spec, in order.
func Build(spec Spec) ([]Request, error) {
	if spec.Count <= 0 {
		return nil, fmt.Errorf("workload %s: count must be positive, got %d", spec.Kind, spec.Count)
	}
	if len(spec.Key) == 0 {
		return nil, fmt.Errorf("workload %s: no signing key", spec.Kind)
	}
	if _, err := ParseKind(string(spec.Kind)); err != nil {
		return nil, err
	}
	ms := spec.Now.UnixMilli()
	reqs := make([]Request, spec.Count)
	buf := make([]byte, 0, 512)
	for i := range reqs {
		buf = appendBody(buf[:0], spec.Kind, spec.First+i, ms)
		body := slices.Clone(buf)
		reqs[i] = Request{Body: body, Sign: Sign(spec.Key, body)}
	}
	return reqs, nil
}

// Sign returns the Sign header value TRTC would send for body under key.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// appendBody appends the body of request n of kind k, sent at ms.
//
//   - routine: 101 in one of 10,000 rooms, created by its owner.
//   - enter: 103, user n (audience, Android, native SDK, normal enter) into
//     room n mod Rooms.
//   - alerting: 301 with Payload.Status 1 (failed), a new task, room and
//     recorder each time, so every request is a new incident that pages (the
//     default dedup key is app/room/user/event).
//   - storm: 104 with Reason 2 (timeout), user n out of room n mod Rooms.
func appendBody(b []byte, k Kind, n int, ms int64) []byte {
	b = append(b, `{"EventGroupId":`...)
	switch k {
	case Routine:
		b = append(b, `1,"EventType":101`...)
	case Enter:
		b = append(b, `1,"EventType":103`...)
	case Alerting:
		b = append(b, `3,"EventType":301`...)
	case Storm:
		b = append(b, `1,"EventType":104`...)
	}
	b = append(b, `,"CallbackTs":`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `,"EventInfo":{"RoomId":`...)
	switch k {
	case Routine:
		b = strconv.AppendInt(b, int64(100000+n%10000), 10)
	case Alerting:
		b = strconv.AppendInt(b, int64(1000000+n), 10)
	default:
		b = strconv.AppendInt(b, int64(1+n%Rooms), 10)
	}
	b = append(b, `,"EventTs":`...)
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, `,"EventMsTs":`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `,"UserId":"`...)
	switch k {
	case Routine:
		b = append(b, "owner_"...)
		b = strconv.AppendInt(b, int64(n%10000), 10)
	case Alerting:
		b = append(b, "recorder_"...)
		b = strconv.AppendInt(b, int64(n), 10)
	default:
		b = append(b, "user_"...)
		b = strconv.AppendInt(b, int64(n), 10)
	}
	b = append(b, '"')
	switch k {
	case Enter:
		b = append(b, `,"Role":21,"TerminalType":2,"UserType":3,"Reason":1`...)
	case Storm:
		b = append(b, `,"Role":21,"Reason":2`...)
	case Alerting:
		b = append(b, `,"TaskId":"task-`...)
		b = strconv.AppendInt(b, ms, 36)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, `","Payload":{"Status":1}`...)
	}
	return append(b, "}}"...)
}
