package outbox

import (
	"encoding/json"
	"fmt"
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

// TestLegacyEntriesDecode: pages queued by a hook from before notifications
// were typed are still delivered after an upgrade, with the same page ids.
func TestLegacyEntriesDecode(t *testing.T) {
	page := map[string]any{
		"id": "abc-oncall-g2", "kind": "firing", "rule": "storm", "severity": "critical",
		"title": "Update: Users dropping out", "text": "User left room (Timeout) in room `8489`",
		"fields": []map[string]string{{"name": "App", "value": "1400000001"}, {"name": "Room", "value": "8489"},
			{"name": "New users (2)", "value": "u1, u2"}},
		"codes":    []alert.Code{{Field: "event", Value: 104, Name: "room.exit", Meaning: "User left room"}},
		"incident": "1400000001/8489", "count": 2, "created_at": "2026-11-27T03:00:00Z",
		"receiver": map[string]any{"name": "oncall", "kind": "slack", "channel": "#oncall"},
	}
	b, _ := json.Marshal(page)
	n, err := decodeEntry(map[string]any{"page": string(b)})
	if err != nil {
		t.Fatal(err)
	}
	if n.PageID() != "abc-oncall-g2" || n.Event.App != "1400000001" || n.Event.Room != "8489" ||
		n.Receiver.Channel != "#oncall" || !strings.Contains(n.Text, "New users (2): u1, u2") || n.Count != 2 {
		t.Errorf("legacy page decoded as %+v (page id %s)", n, n.PageID())
	}
	resolved := map[string]any{"id": "abc-oncall-resolved", "kind": "resolved", "receiver": map[string]any{"name": "oncall"}}
	b, _ = json.Marshal(resolved)
	if n, err := decodeEntry(map[string]any{"page": string(b)}); err != nil || n.PageID() != "abc-oncall-resolved" || n.Kind != alert.KindResolved {
		t.Errorf("legacy resolved page: %+v, %v", n, err)
	}
	if _, err := decodeEntry(map[string]any{"page": "{not json"}); err == nil {
		t.Error("an undecodable legacy page decoded")
	}
}

// The detail the scripts keep never holds what they split it at.
func TestMemberDetail(t *testing.T) {
	for _, tc := range []struct{ role, reason, want string }{
		{"", "", ""},
		{"Anchor", "", "Anchor\x1f"},
		{"", "Timeout", "\x1fTimeout"},
		{"a\x1fb\nc", "d\ne", "a b c\x1fd e"},
	} {
		if got := MemberDetail(tc.role, tc.reason); got != tc.want {
			t.Errorf("MemberDetail(%q, %q) = %q, want %q", tc.role, tc.reason, got, tc.want)
		}
	}
}

// A page names its members with the most events first, then by name, and
// counts the rest; the fire script lists them all, in no order.
func TestEntryRanksAndTruncatesMembers(t *testing.T) {
	var listed []string
	for i := range ListedMembers + 5 {
		listed = append(listed, fmt.Sprintf(`["u%02d",%d]`, i, 1+i%3))
	}
	n, _ := (&alert.Notification{ID: "p", Kind: alert.KindFiring}).Marshal()
	got, err := decodeEntry(map[string]any{"n": string(n), "members": "[" + strings.Join(listed, ",") + "]",
		"member_count": fmt.Sprint(len(listed)), "more": "3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Members) != ListedMembers || got.MembersMore != 5+3 || got.MemberCount != ListedMembers+5 {
		t.Fatalf("%d members listed, %d more, %d in all; want %d, 8, %d", len(got.Members), got.MembersMore, got.MemberCount,
			ListedMembers, ListedMembers+5)
	}
	if first := got.Members[0]; first.Name != "u02" || first.Events != 3 {
		t.Errorf("first member %+v, want u02 with 3 events", first)
	}
	for i := 1; i < len(got.Members); i++ {
		a, b := got.Members[i-1], got.Members[i]
		if a.Events < b.Events || a.Events == b.Events && a.Name > b.Name {
			t.Errorf("members out of order at %d: %+v before %+v", i, a, b)
		}
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
	want := typicalNotification()
	want.CreatedAt, want.Count, want.MemberCount = at, 3, 2
	want.Receiver = alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "C0123456", Mentions: []string{"<!here>", "<@U123>"}}
	want.Members = []alert.Member{{Name: "t1", Events: 2, Role: "Anchor", Reason: "Timeout"}, {Name: "42", Events: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("old entry:\n got %+v\nwant %+v", got, want)
	}
}

// typicalNotification is the notification of state's typical alert (its
// op_test.go), whose previous version's encoding testdata holds.
func typicalNotification() alert.Notification {
	at := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	return alert.Notification{
		ID: "01JPBX3Q6W2YV8H6F0ZK3R9M4N", Kind: alert.KindFiring, Rule: "cloud-recording-failed", Severity: alert.SeverityCritical,
		Event: alert.Event{App: "1400188366", Room: "8489", RoomKey: "s:8489", Task: "t1",
			Codes:     []alert.Code{{Field: "event", Label: "Event", Value: 308, Name: "event.308", Meaning: "Cloud recording failed"}},
			ErrorCode: "E", ErrorMessage: `upload to <storage> failed: "quota" & retry`, Time: at},
		Count: 1, DedupKey: "cloud-recording-failed:1400188366/s:8489/t1", Incident: "1400188366/s:8489", CreatedAt: at,
	}
}
