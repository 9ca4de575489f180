package store

import (
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// TestDecodeEntryReceiver: the "r" field is decoded onto the notification's
// receiver as json.Unmarshal does: the fields "r" has replace its own.
func TestDecodeEntryReceiver(t *testing.T) {
	oncall := alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "C1", Mentions: []string{"<!here>"}}
	for name, tc := range map[string]struct {
		carried alert.Receiver // the receiver inside "n"
		r       string
	}{
		"empty carried":             {r: `{"name":"oncall","kind":"slack","channel":"C1","mentions":["\u003c!here\u003e"]}`},
		"empty carried, odd r":      {r: ` {"Name":"x","kind":"console","mentions":[]} `},
		"carried, r replaces some":  {carried: oncall, r: `{"name":"backup","kind":"console"}`},
		"carried, r sets mentions":  {carried: oncall, r: `{"name":"backup","kind":"slack","mentions":["<@U1>","<@U2>"]}`},
		"carried mentions only":     {carried: alert.Receiver{Mentions: []string{}}, r: `{"name":"a","kind":"slack"}`},
		"empty carried, r not JSON": {r: `{"name":`},
		"carried, r not JSON":       {carried: oncall, r: `[1]`},
	} {
		t.Run(name, func(t *testing.T) {
			n, err := alert.Notification{ID: "a", Kind: alert.KindFiring, Receiver: tc.carried}.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := alert.UnmarshalNotification(n)
			wantErr := json.Unmarshal([]byte(tc.r), &want.Receiver)
			got, err := decodeEntry(map[string]any{"n": string(n), "r": tc.r})
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, json.Unmarshal's %v", err, wantErr)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "decode receiver: ") {
					t.Fatalf("error %q, want it to start with %q", err, "decode receiver: ")
				}
				return
			}
			if !reflect.DeepEqual(got.Receiver, want.Receiver) {
				t.Fatalf("receiver %#v, want %#v", got.Receiver, want.Receiver)
			}
		})
	}
}

// TestDecodeEntryMembersAndWhy: members listed with or without a detail
// (entries queued by a hook from before details have none), and a
// threshold's numbers added to the condition its notification carries.
func TestDecodeEntryMembersAndWhy(t *testing.T) {
	need := &alert.Why{Need: 3, Share: 0.5, Of: alert.OfRoom}
	for name, tc := range map[string]struct {
		why     *alert.Why
		fields  map[string]any
		members []alert.Member
		want    *alert.Why
		err     bool
	}{
		"members without details": {fields: map[string]any{"members": `[["u1",2],["42",1]]`},
			members: []alert.Member{{Name: "u1", Events: 2}, {Name: "42", Events: 1}}},
		"a user id that went through Lua as a number": {fields: map[string]any{"members": `[[42,1]]`},
			members: []alert.Member{{Name: "42", Events: 1}}},
		"members with details": {fields: map[string]any{"members": "[[\"u1\",1,\"Anchor\\u001fTimeout\"],[\"u2\",1,\"\\u001fForce-closed\"],[\"u3\",1]]"},
			members: []alert.Member{{Name: "u1", Events: 1, Role: "Anchor", Reason: "Timeout"}, {Name: "u2", Events: 1, Reason: "Force-closed"}, {Name: "u3", Events: 1}}},
		"a member without events": {fields: map[string]any{"members": `[["u1"]]`}, err: true},
		"numbers onto the condition": {why: need, fields: map[string]any{"dropped": "7", "away": "6", "population": "9"},
			want: &alert.Why{Need: 3, Share: 0.5, Of: alert.OfRoom, Dropped: 7, Away: 6, Population: 9}},
		"numbers without a condition": {fields: map[string]any{"dropped": "2"}, want: &alert.Why{Dropped: 2}},
		"a condition without numbers": {why: need, want: need},
	} {
		t.Run(name, func(t *testing.T) {
			n, err := alert.Notification{ID: "a", Kind: alert.KindFiring, Why: tc.why}.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]any{"n": string(n)}
			for k, v := range tc.fields {
				values[k] = v
			}
			got, err := decodeEntry(values)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want one: %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(got.Members, tc.members) {
				t.Errorf("members %+v, want %+v", got.Members, tc.members)
			}
			if !reflect.DeepEqual(got.Why, tc.want) {
				t.Errorf("why %+v, want %+v", got.Why, tc.want)
			}
		})
	}
}

// TestDecodeEntryOfThePreviousVersion: an outbox entry queued by the
// previous version (its notification in testdata, as its hand encoder wrote
// it) decodes to the page it was: an upgrade loses no queued page.
func TestDecodeEntryOfThePreviousVersion(t *testing.T) {
	old, err := os.ReadFile("testdata/op-threshold-v1.n.json")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 14, 9, 27, 0, 0, time.UTC)
	got, err := decodeEntry(map[string]any{"n": string(old), "at": strconv.FormatInt(at.UnixMilli(), 10),
		"r":    `{"name":"oncall","kind":"slack","channel":"C0123456","mentions":["\u003c!here\u003e","\u003c@U123\u003e"]}`,
		"kind": "firing", "count": "3", "members": `[["t1",2,"Anchor\u001fTimeout"],[42,1]]`, "member_count": "2"})
	if err != nil {
		t.Fatal(err)
	}
	want := typicalAlert().Notification
	want.CreatedAt, want.Count, want.MemberCount = at, 3, 2
	want.Receiver = typicalAlert().Receivers[0]
	want.Members = []alert.Member{{Name: "t1", Events: 2, Role: "Anchor", Reason: "Timeout"}, {Name: "42", Events: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("old entry:\n got %+v\nwant %+v", got, want)
	}
}
