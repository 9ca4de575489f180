package workload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/callback"
)

// The official known-answer vector from TRTC's signature documentation.
func TestSignKnownAnswer(t *testing.T) {
	body := "{\n\t\"EventGroupId\":\t2,\n\t\"EventType\":\t204,\n\t\"CallbackTs\":\t1664209748188,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t8489,\n\t\t\"EventTs\":\t1664209748,\n\t\t\"EventMsTs\":\t1664209748180,\n\t\t\"UserId\":\t\"user_85034614\",\n\t\t\"Reason\":\t0\n\t}\n}"
	if got, want := Sign([]byte("123654"), []byte(body)), "kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// Every body must decode, in hook's own decoder, to the event the workload
// promises, carry the run's send time, and be signed with the run's key.
func TestBuildDecodesAsPromised(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_123)
	key := []byte("benchkey")
	type want struct {
		group, typ, reason, status int
		task                       bool
	}
	for _, tc := range []struct {
		kind Kind
		want want
	}{
		{Routine, want{group: 1, typ: 101, reason: callback.Absent, status: callback.Absent}},
		{Enter, want{group: 1, typ: 103, reason: 1, status: callback.Absent}},
		{Alerting, want{group: 3, typ: 301, reason: callback.Absent, status: 1, task: true}},
		{Storm, want{group: 1, typ: 104, reason: 2, status: callback.Absent}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			reqs, err := Build(Spec{Kind: tc.kind, Count: 3, First: 7, Key: key, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range reqs {
				if bytes.ContainsAny(r.Body, "\t\n\r") {
					t.Errorf("body has a tab or newline (the wrk pool is one request per line): %s", r.Body)
				}
				if !json.Valid(r.Body) {
					t.Fatalf("not JSON: %s", r.Body)
				}
				if r.Sign != Sign(key, r.Body) {
					t.Errorf("Sign does not match the body")
				}
				ev, err := callback.Decode("1400000001", r.Body)
				if err != nil {
					t.Fatalf("hook refuses %s: %v", r.Body, err)
				}
				got := want{group: ev.Group, typ: ev.Type, reason: ev.Reason, status: ev.Status, task: ev.TaskID != ""}
				if got != tc.want {
					t.Errorf("decoded %+v, want %+v: %s", got, tc.want, r.Body)
				}
				if ev.CallbackMs != now.UnixMilli() || ev.EventMs != now.UnixMilli() {
					t.Errorf("times %d/%d, want %d", ev.CallbackMs, ev.EventMs, now.UnixMilli())
				}
				if ev.RoomID == "" || ev.UserID == "" {
					t.Errorf("no room or user: %s", r.Body)
				}
			}
		})
	}
}

// What makes each workload do its work: alerting must be a new incident per
// request, enter and storm many users over Rooms rooms.
func TestBuildVariesWhatMatters(t *testing.T) {
	const n = 1000
	key := []byte("k")
	decode := func(kind Kind, first int) []callback.Event {
		t.Helper()
		reqs, err := Build(Spec{Kind: kind, Count: n, First: first, Key: key, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		evs := make([]callback.Event, len(reqs))
		for i, r := range reqs {
			if evs[i], err = callback.Decode("1", r.Body); err != nil {
				t.Fatal(err)
			}
		}
		return evs
	}
	for _, tc := range []struct {
		kind         Kind
		incident     func(callback.Event) string
		wantDistinct int
		rooms        int
	}{
		{Alerting, func(e callback.Event) string { return e.RoomID + "/" + e.UserID }, n, n},
		{Alerting, func(e callback.Event) string { return e.TaskID }, n, n},
		{Storm, func(e callback.Event) string { return e.UserID }, n, Rooms},
		{Enter, func(e callback.Event) string { return e.UserID }, n, Rooms},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			keys, rooms := map[string]bool{}, map[string]bool{}
			for _, first := range []int{0, n} { // two pools of one run share nothing
				for _, e := range decode(tc.kind, first) {
					keys[tc.incident(e)] = true
					rooms[e.RoomID] = true
				}
			}
			if len(keys) != 2*tc.wantDistinct {
				t.Errorf("%d distinct keys over two pools of %d, want %d", len(keys), n, 2*tc.wantDistinct)
			}
			if tc.rooms == Rooms && len(rooms) != Rooms {
				t.Errorf("%d rooms, want %d", len(rooms), Rooms)
			}
		})
	}
}

func TestBuildRefusesBadSpecs(t *testing.T) {
	for _, spec := range []Spec{
		{Kind: Routine, Count: 0, Key: []byte("k")},
		{Kind: Routine, Count: 1},
		{Kind: "nope", Count: 1, Key: []byte("k")},
	} {
		t.Run(fmt.Sprintf("%+v", spec), func(t *testing.T) {
			if _, err := Build(spec); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := ParseKind("stomr"); err == nil {
		t.Fatal("ParseKind accepted a typo")
	}
}
