package callback

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestDecodeLenient(t *testing.T) {
	tests := []decodeCase{
		{
			name: "numeric room id",
			body: `{"EventGroupId":1,"EventType":101,"CallbackTs":1700000000000,"EventInfo":{"RoomId":12345,"EventTs":1700000000,"UserId":"u1"}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "RoomID", ev.RoomID, "12345")
				want(t, "EventMs", ev.EventMs, int64(1700000000000))
			},
		},
		{
			// Room "12345" keeps its text but is not room 12345: see TestDecodeRooms.
			name: "string room id keeps its text, EventTs as a string",
			body: `{"EventGroupId":1,"EventType":102,"CallbackTs":1700000000000,"EventInfo":{"RoomId":"12345","EventTs":"1700000000"}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "RoomID", ev.RoomID, "12345")
				want(t, "RoomKey", ev.RoomKey(), "s:12345")
				want(t, "EventMs", ev.EventMs, int64(1700000000000))
			},
		},
		{
			name: "CallbackMsTs instead of CallbackTs",
			body: `{"EventGroupId":7,"EventType":701,"CallbackMsTs":1700000000123,"EventInfo":{"RoomId":"r1","TaskId":"t-1","Status":1}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "CallbackMs", ev.CallbackMs, int64(1700000000123))
				want(t, "Status", ev.Status, 1)
				want(t, "TaskID", ev.TaskID, "t-1")
			},
		},
		{
			name: "numeric task id and EventTsMs spelling",
			body: `{"EventGroupId":4,"EventType":401,"CallbackTs":1700000000000,"EventInfo":{"RoomId":"8489","RoomType":1,"EventTsMs":1700000000999,"TaskId":123456789012,"Payload":{"Url":"rtmp://x","Status":4,"ErrorCode":-1,"ErrorMsg":"push failed"}}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "TaskID", ev.TaskID, "123456789012")
				want(t, "EventMs", ev.EventMs, int64(1700000000999))
				want(t, "Status", ev.Status, 4)
				want(t, "RoomType", ev.RoomType, 1)
				want(t, "ErrorCode", ev.ErrorCode, "-1")
				want(t, "ErrorMessage", ev.ErrorMessage, "push failed")
				want(t, "URL", ev.URL, "rtmp://x")
			},
		},
		{
			name: "recording payload status and leave code",
			body: `{"EventGroupId":3,"EventType":302,"CallbackTs":1700000000000,"EventInfo":{"RoomId":"8489","EventTs":1700000000,"UserId":"rec","TaskId":"t","Payload":{"LeaveCode":99}}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "LeaveCode", ev.LeaveCode, 99)
				want(t, "Status", ev.Status, Absent)
			},
		},
		{
			name: "upload error code and message",
			body: `{"EventGroupId":3,"EventType":308,"CallbackTs":1700000000000,"EventInfo":{"RoomId":"8489","TaskId":"t","Payload":{"Code":"InternalError","Message":"cos upload failed"}}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "ErrorCode", ev.ErrorCode, "InternalError")
				want(t, "ErrorMessage", ev.ErrorMessage, "cos upload failed")
				want(t, "Payload[Code]", ev.Payload["Code"], any("InternalError"))
			},
		},
		{
			name:  "lower camel case keys (screenshot group)",
			body:  `{"EventGroupId":6,"EventType":601,"CallbackTs":1700000000000,"EventInfo":{"roomID":"r6","userID":"u6","code":0}}`,
			check: func(t *testing.T, ev Event) { want(t, "RoomID", ev.RoomID, "r6"); want(t, "UserID", ev.UserID, "u6") },
		},
		{
			name: "unknown fields ignored, absent codes are Absent",
			body: `{"EventGroupId":99,"EventType":9999,"CallbackTs":1700000000000,"NewField":{"x":1},"EventInfo":{"RoomId":1,"Brand":"new"}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "Group", ev.Group, 99)
				want(t, "Reason", ev.Reason, Absent)
				want(t, "Role", ev.Role, Absent)
			},
		},
		{
			name: "enter with role, terminal, user type, reason",
			body: `{"EventGroupId":1,"EventType":103,"CallbackTs":1700000000000,"EventInfo":{"RoomId":1,"UserId":"u","Role":20,"TerminalType":3,"UserType":1,"Reason":1,"UniqueId":77}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "Role", ev.Role, 20)
				want(t, "TerminalType", ev.TerminalType, 3)
				want(t, "UserType", ev.UserType, 1)
				want(t, "Reason", ev.Reason, 1)
				want(t, "UniqueID", ev.UniqueID, int64(77))
			},
		},
		{
			name: "optional fields of odd shapes read as absent, never reject",
			body: `{"EventGroupId":1,"EventType":104,"CallbackTs":1700000000000,"EventInfo":{"RoomId":{"a":1},"UserId":["u"],"Reason":true,"Role":"x","TaskId":null,"Payload":"oops"}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "RoomID", ev.RoomID, "")
				want(t, "UserID", ev.UserID, "")
				want(t, "Reason", ev.Reason, Absent)
				want(t, "Role", ev.Role, Absent)
				want(t, "Payload is nil", ev.Payload == nil, true)
			},
		},
		{
			name: "payload fields of odd shapes read as absent",
			body: `{"EventGroupId":3,"EventType":308,"CallbackTs":1700000000000,"EventInfo":{"RoomId":"r","Payload":{"Code":{"x":1},"Message":"m","Status":[1]}}}`,
			check: func(t *testing.T, ev Event) {
				want(t, "ErrorCode", ev.ErrorCode, "")
				want(t, "ErrorMessage", ev.ErrorMessage, "m")
				want(t, "Status", ev.Status, Absent)
			},
		},
		{
			name:  "EventInfo not an object",
			body:  `{"EventGroupId":1,"EventType":101,"CallbackTs":1700000000000,"EventInfo":"x"}`,
			check: func(t *testing.T, ev Event) { want(t, "EventMs", ev.EventMs, int64(1700000000000)) },
		},
		{
			name:  "an event time far from the send time is not trusted",
			body:  `{"EventGroupId":1,"EventType":104,"CallbackTs":1700000000000,"EventInfo":{"EventMsTs":9223372036854775807,"EventTs":9223372036854775807}}`,
			check: func(t *testing.T, ev Event) { want(t, "EventMs", ev.EventMs, int64(1700000000000)) },
		},
		{
			name:  "EventTs in milliseconds",
			body:  `{"EventGroupId":1,"EventType":104,"CallbackTs":1700000000500,"EventInfo":{"EventTs":1700000000123}}`,
			check: func(t *testing.T, ev Event) { want(t, "EventMs", ev.EventMs, int64(1700000000123)) },
		},
		{
			name:  "a negative or huge code is absent",
			body:  `{"EventGroupId":1,"EventType":104,"CallbackTs":1700000000000,"EventInfo":{"Reason":-3,"Role":99999999999}}`,
			check: func(t *testing.T, ev Event) { want(t, "Reason", ev.Reason, Absent); want(t, "Role", ev.Role, Absent) },
		},
		{
			name:  "event time falls back to callback time",
			body:  `{"EventGroupId":8,"EventType":801,"CallbackTs":1700000000000,"EventInfo":{}}`,
			check: func(t *testing.T, ev Event) { want(t, "EventTime", ev.EventTime().UnixMilli(), int64(1700000000000)) },
		},
	}
	runDecodeCases(t, tests)
}

func TestDecodeInvalid(t *testing.T) {
	tests := []invalidCase{
		{"not json", `{"EventGroupId":`, "not a valid JSON object"},
		{"empty", ``, "not a valid JSON object"},
		{"array", `[1,2]`, "not a valid JSON object"},
		{"missing group", `{"EventType":104,"CallbackTs":1}`, "missing EventGroupId"},
		{"missing type", `{"EventGroupId":1,"CallbackTs":1}`, "missing EventType"},
		{"missing send time", `{"EventGroupId":1,"EventType":104,"EventInfo":{"EventMsTs":1}}`, "missing CallbackTs"},
		{"zero send time", `{"EventGroupId":1,"EventType":104,"CallbackTs":0}`, "missing CallbackTs"},
		{"fractional type", `{"EventGroupId":1,"EventType":1.5}`, "EventGroupId and EventType must be integers"},
		{"type is an object", `{"EventGroupId":1,"EventType":{"a":1}}`, "EventGroupId and EventType must be integers"},
		{"group is text", `{"EventGroupId":"room","EventType":101}`, "EventGroupId and EventType must be integers"},
	}
	runInvalidCases(t, tests)
}

// decodeCase is a body TRTC may send and what its decoded event must hold.
type decodeCase struct {
	name  string
	body  string
	check func(t *testing.T, ev Event)
}

// runDecodeCases decodes each body (and its payload, as the rules do when
// they read it) and checks the event.
func runDecodeCases(t *testing.T, tests []decodeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Decode("1400000001", []byte(tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			ev.DecodePayload()
			want(t, "AppID", ev.AppID, "1400000001")
			tt.check(t, ev)
		})
	}
}

// invalidCase is a body Decode must refuse, and what its error must say.
type invalidCase struct{ name, body, msg string }

func runInvalidCases(t *testing.T, tests []invalidCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode("1", []byte(tt.body))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func want[T comparable](t *testing.T, name string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// FuzzDecode: whatever the body, Decode returns an event or ErrInvalid; it
// never panics; and what it accepts, its typed fields and its Payload map read
// alike: no two Payload keys are equal ignoring ASCII case, and a numeric
// Payload status is the event's Status. The seeds run with go test;
// `go test -fuzz FuzzDecode` explores.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"EventGroupId":1,"EventType":104,"CallbackTs":1,"EventInfo":{"RoomId":"1","Reason":2}}`,
		`{"EventGroupId":"3","EventType":"308","CallbackMsTs":"1","EventInfo":{"TaskId":1e3,"Payload":{"Code":null}}}`,
		`{"EventGroupId":4,"EventType":401,"EventInfo":{"Payload":{"Status":"4","ErrorCode":-1}}}`,
		`{"EventGroupId":1e99,"EventType":-1}`,
		`{"EventGroupId":3,"EventType":301,"CallbackTs":1,"EventInfo":{"Payload":{"Status":0,"Statu\u017f":1}}}`,
		`{"EventGroupId":3,"EventType":301,"Callbac\u212aTs":1,"CallbackTs":2,"EventInfo":{"Payload":{"status":1}}}`,
		`{"EventGroupId":9,"EventType":908,"CallbackTs":1,"EventInfo":{"RoomId":"1","RoomIdType":1,"Payload":{"Tag":{"Code":1,"Message":"m"}}}}`,
		`[]`, `null`, `"x"`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Decode("1", body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode error %v does not wrap ErrInvalid", err)
			}
			return
		}
		ev.DecodePayload()
		var status any
		seen := map[string]string{}
		for k, v := range ev.Payload {
			folded := strings.ToLower(k) // ASCII lower-casing suffices for this check's ASCII keys
			if other, dup := seen[folded]; dup && isASCII(k) {
				t.Fatalf("Payload holds %q and %q", other, k)
			}
			seen[folded] = k
			if folded == "status" && isASCII(k) {
				status = v
			}
		}
		if f, ok := status.(float64); ok && f >= 0 && f <= math.MaxInt32 && f == math.Trunc(f) && ev.Status != int(f) {
			t.Fatalf("Payload status %v, Status %d", f, ev.Status)
		}
	})
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// benchBodies are typical callbacks: a media event (TRTC's own signature
// vector, tabs and newlines included) and a recording event with a payload.
var benchBodies = map[string]string{
	"media":     "{\n\t\"EventGroupId\":\t2,\n\t\"EventType\":\t204,\n\t\"CallbackTs\":\t1664209748188,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t8489,\n\t\t\"EventTs\":\t1664209748,\n\t\t\"EventMsTs\":\t1664209748180,\n\t\t\"UserId\":\t\"user_85034614\",\n\t\t\"Reason\":\t0\n\t}\n}",
	"recording": `{"EventGroupId":3,"EventType":311,"CallbackTs":1622191965320,"EventInfo":{"RoomId":"20015","EventTs":1622191965,"EventMsTs":1622191965300,"UserId":"xx","TaskId":"task-1","Payload":{"Status":1,"Errmsg":"upload to vod failed","TencentVod":{"UserId":"123","TrackType":"audio_video","CacheFile":"xxx.mp4"}}}}`,
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"media", "recording"} {
		body := []byte(benchBodies[name])
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode("1400000001", body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
