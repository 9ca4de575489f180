package callback

import (
	"errors"
	"strings"
	"testing"
)

// body wraps an EventInfo in an envelope of the given group and type.
func body(group, typ int, info string) string {
	return `{"EventGroupId":` + itoa(group) + `,"EventType":` + itoa(typ) + `,"CallbackTs":1700000000000,"EventInfo":` + info + `}`
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestDecodeRooms: numeric and string rooms are different rooms, and RoomKey
// tells them apart however TRTC said which one it is.
func TestDecodeRooms(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		room     string
		roomType int
		key      string
	}{
		{"number: numeric room", body(1, 103, `{"RoomId":12345,"UserId":"u"}`), "12345", RoomNumeric, "12345"},
		{"string: string room", body(1, 103, `{"RoomId":"12345","UserId":"u"}`), "12345", RoomString, "s:12345"},
		{"string room with text", body(2, 202, `{"RoomId":"live-7","Reason":0}`), "live-7", RoomString, "s:live-7"},
		{"recording, quoted", body(3, 301, `{"RoomId":"20015","TaskId":"t","Payload":{"Status":0}}`), "20015", RoomString, "s:20015"},
		{"relay RoomType 0 overrides the quotes", body(4, 401, `{"RoomId":"8489","RoomType":0,"Payload":{"Status":2}}`), "8489", RoomNumeric, "8489"},
		{"relay RoomType 1", body(4, 401, `{"RoomId":"8489","RoomType":1,"Payload":{"Status":2}}`), "8489", RoomString, "s:8489"},
		{"relay RoomType as a string", body(4, 401, `{"RoomId":8489,"RoomType":"1"}`), "8489", RoomString, "s:8489"},
		{"AI RoomIdType 0", body(9, 901, `{"RoomId":"1234","RoomIdType":0,"TaskId":"t","Payload":{"Status":0}}`), "1234", RoomNumeric, "1234"},
		{"AI RoomIdType 1", body(9, 901, `{"RoomId":"1234","RoomIdType":1,"TaskId":"t","Payload":{"Status":0}}`), "1234", RoomString, "s:1234"},
		{"undocumented RoomType: how RoomId arrived", body(4, 401, `{"RoomId":8489,"RoomType":7}`), "8489", RoomNumeric, "8489"},
		{"screenshot roomID", body(6, 601, `{"roomID":"464884","userID":"dd","code":0}`), "464884", RoomString, "s:464884"},
		{"web page recording has no room", body(8, 801, `{"TaskId":"t","Payload":{"Status":1}}`), "", Absent, ""},
		{"ingest has no room", body(7, 701, `{"TaskId":"t","Status":0}`), "", Absent, ""},
		{"RoomType without a room", body(4, 401, `{"RoomType":1}`), "", Absent, ""},
		{"room of an odd shape", body(1, 104, `{"RoomId":{"a":1},"RoomType":1}`), "", Absent, ""},
		{"null room", body(1, 104, `{"RoomId":null}`), "", Absent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Decode("1400000001", []byte(tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			ev.DecodePayload() // as the rules do when they read it
			want(t, "RoomID", ev.RoomID, tt.room)
			want(t, "RoomType", ev.RoomType, tt.roomType)
			want(t, "RoomKey", ev.RoomKey(), tt.key)
		})
	}
	a, _ := Decode("1", []byte(body(1, 104, `{"RoomId":12345}`)))
	b, _ := Decode("1", []byte(body(1, 104, `{"RoomId":"12345"}`)))
	if a.RoomKey() == b.RoomKey() {
		t.Errorf("room 12345 and room \"12345\" share the key %q", a.RoomKey())
	}
	// Events built by hand (tests, rehearsals) leave RoomType Absent: their id is the key.
	if k := (Event{RoomID: "8489", RoomType: Absent}).RoomKey(); k != "8489" {
		t.Errorf("RoomKey of an unknown room type = %q", k)
	}
}

// TestDecodeGroups decodes the payloads of each documented group as TRTC's
// documents show them.
func TestDecodeGroups(t *testing.T) {
	tests := []decodeCase{
		{
			name: "202 carries Reason 0",
			body: body(2, 202, `{"RoomId":12345,"EventTs":1700000000,"EventMsTs":1700000000447,"UserId":"test","Reason":0}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Reason", ev.Reason, 0)
				want(t, "EventMs", ev.EventMs, int64(1700000000447))
			},
		},
		{
			name: "310 Status 2 with file lists",
			body: body(3, 310, `{"RoomId":"20015","UserId":"xx","TaskId":"xx","Payload":{"Status":2,"FileList":["a.mp4"],"FileMessage":[{"FileName":"a.mp4","UserId":"u","TrackType":"audio_video","MediaId":"main","StartTimeStamp":1,"EndTimeStamp":2}]}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Status", ev.Status, 2)
				want(t, "TaskID", ev.TaskID, "xx")
				want(t, "UserID is the recorder", ev.UserID, "xx")
			},
		},
		{
			name: "311 upload to VOD failed",
			body: body(3, 311, `{"RoomId":"20015","UserId":"xx","TaskId":"xx","Payload":{"Status":1,"Errmsg":"vod upload failed","TencentVod":{"UserId":"123","TrackType":"audio_video","CacheFile":"xxx.mp4"}}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Status", ev.Status, 1)
				want(t, "ErrorMessage", ev.ErrorMessage, "vod upload failed")
				vod, _ := ev.Payload["TencentVod"].(map[string]any)
				want(t, "Payload.TencentVod.CacheFile", vod["CacheFile"], any("xxx.mp4"))
			},
		},
		{
			name:  "312 ended abnormally",
			body:  body(3, 312, `{"RoomId":"20015","TaskId":"xx","Payload":{"Status":1}}`),
			check: func(t *testing.T, ev Event) { want(t, "Status", ev.Status, 1) },
		},
		{
			name: "701 status in EventInfo, CallbackMsTs, EventMsTs as a string",
			body: `{"EventGroupId":7,"EventType":701,"CallbackMsTs":1701937900012,"EventInfo":{"EventMsTs":"1701937900013","TaskId":"xx","Status":1}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "Status", ev.Status, 1)
				want(t, "EventMs", ev.EventMs, int64(1701937900013))
			},
		},
		{
			name:  "702 Status 0",
			body:  `{"EventGroupId":7,"EventType":702,"CallbackMsTs":1701937900012,"EventInfo":{"EventMsTs":1701937900013,"TaskId":"xx","Status":0}}`,
			check: func(t *testing.T, ev Event) { want(t, "Status", ev.Status, 0) },
		},
		{
			name: "801 failed to start: EventMessage is the error text",
			body: body(8, 801, `{"EventMsTs":1700000000000,"TaskId":"-m9-bVVU7id","Payload":{"Status":2,"EventMessage":"StartRecording error"}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Status", ev.Status, 2)
				want(t, "ErrorMessage", ev.ErrorMessage, "StartRecording error")
				want(t, "TaskID", ev.TaskID, "-m9-bVVU7id")
			},
		},
		{
			name: "804 with EventMessage in EventInfo",
			body: body(8, 804, `{"TaskId":"t","EventMessage":"Exceeding resolution limitation","Payload":{"Status":2}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "ErrorMessage", ev.ErrorMessage, "Exceeding resolution limitation")
			},
		},
		{
			name: "903 a sentence",
			body: body(9, 903, `{"EventMsTs":1700000000000,"TaskId":"t","RoomId":"1234","RoomIdType":0,"Payload":{"UserId":"alice","Text":"hello","StartTimeMs":1234,"EndTimeMs":1269,"RoundId":"r-1"}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "UserID", ev.UserID, "alice")
				want(t, "Text", ev.Text, "hello")
				want(t, "RoundID", ev.RoundID, "r-1")
			},
		},
		{
			name:  "902 internal error",
			body:  body(9, 902, `{"TaskId":"t","RoomId":"1234","RoomIdType":0,"Payload":{"LeaveCode":98}}`),
			check: func(t *testing.T, ev Event) { want(t, "LeaveCode", ev.LeaveCode, 98) },
		},
		{
			name: "906 metric",
			body: body(9, 906, `{"TaskId":"t","RoomId":"1234","RoomIdType":0,"Payload":{"Metric":"llm_first_token","Value":218,"Tag":{"RoundId":"070c4908"}}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Metric", ev.Metric, "llm_first_token")
				want(t, "MetricValue", ev.MetricValue, 218.0)
				want(t, "RoundID", ev.RoundID, "070c4908")
			},
		},
		{
			name: "908 error metric: the tag's code and message are the error",
			body: body(9, 908, `{"TaskId":"t","RoomId":"1234","RoomIdType":0,"Payload":{"Metric":"llm_error","Tag":{"RoundId":"r","Code":1003,"Message":"llm timeout"}}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Metric", ev.Metric, "llm_error")
				want(t, "ErrorCode", ev.ErrorCode, "1003")
				want(t, "ErrorMessage", ev.ErrorMessage, "llm timeout")
				want(t, "RoundID", ev.RoundID, "r")
			},
		},
		{
			name: "909 status in words",
			body: body(9, 909, `{"TaskId":"t","RoomId":"1234","RoomIdType":0,"Payload":{"Status":"session_ready"}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Status", ev.Status, Absent)
				want(t, "StatusText", ev.StatusText, "session_ready")
			},
		},
		{
			name: "a type TRTC may add to a known group decodes generically",
			body: body(9, 910, `{"TaskId":"t","RoomId":"1234","RoomIdType":1,"Payload":{"Status":3}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Type", ev.Type, 910)
				want(t, "Status", ev.Status, 3)
				want(t, "RoomKey", ev.RoomKey(), "s:1234")
			},
		},
	}
	runDecodeCases(t, tests)
}

// TestDecodeKeys: a key is a field only when it equals the field's name ignoring
// ASCII case; lookalikes through Unicode case folding are other keys, and the
// typed fields and Payload agree on every key.
func TestDecodeKeys(t *testing.T) {
	tests := []decodeCase{
		{
			name: "long s is not Status: typed and Payload agree",
			body: body(3, 301, `{"RoomId":"r","Payload":{"Status":0,"Statu\u017f":1}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "Status", ev.Status, 0)
				want(t, "Payload.Status", ev.Payload["Status"], any(0.0))
				want(t, "Payload[Statuſ]", ev.Payload["Statuſ"], any(1.0))
			},
		},
		{
			name:  "long s written raw is not Status either",
			body:  body(3, 301, `{"RoomId":"r","Payload":{"Statuſ":1}}`),
			check: func(t *testing.T, ev Event) { want(t, "Status", ev.Status, Absent) },
		},
		{
			name:  "Kelvin sign is not K: CallbackTs stays the real one",
			body:  `{"EventGroupId":1,"EventType":104,"CallbackTs":1700000000000,"Callbac\u212aTs":1,"EventInfo":{}}`,
			check: func(t *testing.T, ev Event) { want(t, "CallbackMs", ev.CallbackMs, int64(1700000000000)) },
		},
		{
			name:  "an escaped ASCII letter is that letter",
			body:  body(3, 301, `{"Payload":{"\u0053tatus":1}}`),
			check: func(t *testing.T, ev Event) { want(t, "Status", ev.Status, 1) },
		},
		{
			name: "ASCII case is ignored, as TRTC's screenshot keys need",
			body: body(1, 104, `{"ROOMID":7,"userid":"u","REASON":2}`),
			check: func(t *testing.T, ev Event) {
				want(t, "RoomID", ev.RoomID, "7")
				want(t, "UserID", ev.UserID, "u")
				want(t, "Reason", ev.Reason, 2)
			},
		},
		{
			name: "the same key in different objects is fine",
			body: body(3, 311, `{"UserId":"rec","Payload":{"Status":0,"TencentVod":{"UserId":"u","Status":1}}}`),
			check: func(t *testing.T, ev Event) {
				want(t, "UserID", ev.UserID, "rec")
				want(t, "Status", ev.Status, 0)
			},
		},
		{
			name:  "a large object without duplicates",
			body:  body(3, 301, `{"Payload":{`+manyKeys(40, "")+`"Status":1}}`),
			check: func(t *testing.T, ev Event) { want(t, "Status", ev.Status, 1); want(t, "keys", len(ev.Payload), 41) },
		},
	}
	runDecodeCases(t, tests)
}

// manyKeys is n distinct members "k0":0,... followed by extra.
func manyKeys(n int, extra string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(`"k` + itoa(i) + `":` + itoa(i) + `,`)
	}
	return b.String() + extra
}

// TestDecodeRefuses pins the bodies Decode refuses and what it says.
func TestDecodeRefuses(t *testing.T) {
	tests := []invalidCase{
		{"empty group", `{"EventGroupId":"","EventType":104,"CallbackTs":1}`, `EventGroupId is ""`},
		{"empty type", `{"EventGroupId":1,"EventType":"","CallbackTs":1}`, `EventType is ""`},
		{"null group", `{"EventGroupId":null,"EventType":104,"CallbackTs":1}`, "missing EventGroupId"},
		{"zero group", `{"EventGroupId":0,"EventType":4,"CallbackTs":1}`, "must be positive integers: EventGroupId is 0"},
		{"negative type", `{"EventGroupId":1,"EventType":-1,"CallbackTs":1}`, "must be positive integers: EventType is -1"},
		{"huge group", `{"EventGroupId":1e15,"EventType":1,"CallbackTs":1}`, "must be positive integers"},
		{"type of another group", `{"EventGroupId":9,"EventType":301,"CallbackTs":1}`, "EventType 301 does not belong to EventGroupId 9"},
		{"type below its group", `{"EventGroupId":3,"EventType":99,"CallbackTs":1}`, "EventType 99 does not belong to EventGroupId 3"},
		{"unknown group, type of a known one", `{"EventGroupId":5,"EventType":104,"CallbackTs":1}`, "EventType 104 does not belong to EventGroupId 5"},
		{"null body", `null`, "not a valid JSON object"},
		{"duplicate envelope key", `{"EventGroupId":1,"EventType":104,"eventtype":103,"CallbackTs":1}`, `duplicate key "eventtype"`},
		{"duplicate EventInfo key", body(1, 104, `{"RoomId":1,"roomid":"1"}`), `duplicate key "roomid"`},
		{"duplicate Payload key", body(3, 301, `{"Payload":{"Status":0,"status":1}}`), `duplicate key "status"`},
		{"duplicate through an escape", body(3, 301, `{"Payload":{"Status":0,"\u0053tatus":1}}`), `duplicate key "Status"`},
		{"duplicate deep in Payload", body(3, 311, `{"Payload":{"TencentVod":{"FileId":"a","FileId":"b"}}}`), `duplicate key "FileId"`},
		{"duplicate in an array", body(3, 310, `{"Payload":{"FileMessage":[{"a":1},{"b":1,"B":2}]}}`), `duplicate key "B"`},
		{"duplicate in a large object", body(3, 301, `{"Payload":{`+manyKeys(40, `"K7":1`)+`}}`), `duplicate key "K7"`},
		{"a long duplicate key is cut in the message", body(3, 301, `{"Payload":{"`+strings.Repeat("x", 100)+`":1,"`+strings.Repeat("X", 100)+`":2}}`), `duplicate key "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"...`},
		{"Kelvin sign does not stand in for CallbackTs", `{"EventGroupId":1,"EventType":104,"Callbac\u212aTs":1700000000000}`, "missing CallbackTs"},
	}
	runInvalidCases(t, tests)
}

// TestDecodeDeepBody: nesting is bounded (as encoding/json bounds it) before the scanner runs.
func TestDecodeDeepBody(t *testing.T) {
	deep := `{"EventGroupId":1,"EventType":104,"CallbackTs":1,"EventInfo":{"Payload":{"x":` +
		strings.Repeat(`[{"a":`, 3000) + "1" + strings.Repeat(`}]`, 3000) + `}}}`
	if _, err := Decode("1", []byte(deep)); err != nil {
		t.Fatalf("3000 levels: %v", err)
	}
	tooDeep := `{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	if _, err := Decode("1", []byte(tooDeep)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("100000 levels: %v", err)
	}
}

func TestDecodeAllocs(t *testing.T) {
	b := []byte(benchBodies["media"])
	if a := testing.AllocsPerRun(100, func() { _, _ = Decode("1", b) }); a > 2 {
		t.Errorf("Decode of a media event: %v allocs, want at most 2 (its user and room)", a)
	}
}
