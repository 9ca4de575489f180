package alert

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzUnmarshalNotification: whatever the bytes (Redis holds what any
// version, or anyone, wrote), decoding never panics, and what decodes
// encodes again to JSON that decodes to the same notification.
func FuzzUnmarshalNotification(f *testing.F) {
	for _, n := range notificationCases() {
		if b, err := n.Marshal(); err == nil && len(b) <= 4096 { // long seeds slow every mutation down
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `null`, `{"id":"a","id":"b"}`, `{"members":[{"name":"\ud83d\ude00"}],"why":{"share":1e-3}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := UnmarshalNotification(b)
		if err != nil {
			return
		}
		again, err := n.Marshal()
		if err != nil {
			return // a time RFC 3339 cannot express: decoding accepts offsets encoding refuses
		}
		back, err := UnmarshalNotification(again)
		if err != nil {
			t.Fatalf("%q decodes, its encoding %q does not: %v", b, again, err)
		}
		if again2, _ := back.Marshal(); !bytes.Equal(again2, again) {
			t.Fatalf("round trip of %q:\n got %q\nwant %q", b, again2, again)
		}
	})
}

// FuzzUnmarshalReceiver is FuzzUnmarshalNotification for the receiver an
// outbox entry carries beside its notification.
func FuzzUnmarshalReceiver(f *testing.F) {
	for _, n := range notificationCases() {
		if b, err := json.Marshal(n.Receiver); err == nil && len(b) <= 1024 {
			f.Add(b)
		}
	}
	f.Add([]byte(` { "mentions" : [ "\u003c!here\u003e" , "\ud83d\ude00" ] , "kind" : "slack" } `))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalReceiver(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := UnmarshalReceiver(again)
		if len(r.Mentions) == 0 {
			r.Mentions = nil // an empty list is left out
		}
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", b, back, err, r)
		}
	})
}

// FuzzMarshal builds notifications from fuzzed strings, numbers and times:
// Marshal writes what encoding/json writes, and fails where it fails.
func FuzzMarshal(f *testing.F) {
	for i, s := range hostileStrings {
		if len(s) > 1000 {
			continue // the table has it; as a seed it slows every mutation down
		}
		at := jsonTimes[i%len(jsonTimes)]
		_, off := at.Zone()
		f.Add(s, hostileStrings[(i+1)%len(hostileStrings)], int64(i-3), at.Unix(), int64(at.Nanosecond()), off, uint8(i))
	}
	f.Fuzz(func(t *testing.T, s, u string, i, sec, nsec int64, off int, shape uint8) {
		at := time.Unix(sec, nsec).In(time.FixedZone(s, off))
		n := everyField(s, at, int(i))
		n.Title, n.Event.User, n.Receiver.Mentions[1], n.Members[1].Name = u, u, u, u
		if shape&1 != 0 {
			n.ResolvedBy, n.Enrichment, n.Digest = nil, nil, nil
		}
		if shape&2 != 0 {
			n.Event.Codes, n.Members, n.Receiver.Mentions = nil, []Member{}, []string{}
		}
		if shape&4 != 0 {
			n.RetriedAt, n.Event.Time = time.Time{}, time.Time{}
		}
		want, wantErr := json.Marshal(n)
		got, err := n.Marshal()
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("Marshal error %v, json.Marshal error %v", err, wantErr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("Marshal:\n got %q\nwant %q", got, want)
		}
	})
}
