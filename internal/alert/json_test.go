package alert

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// hostileStrings are what JSON escaping gets wrong most easily.
var hostileStrings = []string{
	"",
	"plain",
	`quote " and \ backslash \\"`,
	"<script>alert('&amp;')</script>",
	"line\u2028separator\u2029paragraph",
	"bad \xff\xfe utf8, a surrogate \xed\xa0\x80, cut short \xe2\x82",
	"\xe2\x82",
	"\ufffd is a real replacement character",
	controlBytes(),
	"\x7f del and \u0080 \u009f C1 controls",
	"emoji 😀🚨, accents é, CJK 中文",
	"\b\f\n\r\t",
	strings.Repeat("long <\"é\u2028\x01\xff ", 4000),
}

func controlBytes() string {
	var b []byte
	for c := byte(0); c < 0x20; c++ {
		b = append(b, 'x', c)
	}
	return string(append(b, 0x7f))
}

// jsonTimes are times encoding/json can encode.
var jsonTimes = []time.Time{
	{},
	time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC),
	time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC),
	time.Date(2025, 3, 14, 9, 26, 53, 500000000, time.UTC),
	time.Date(2025, 3, 14, 9, 26, 53, 1000, time.FixedZone("IST", 5*3600+30*60)),
	time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.FixedZone("PST", -8*3600)),
	time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("seconds", 3600+30)),
	time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("almost a day", -(24*3600-60))),
	time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	time.Unix(0, 0).UTC(),
	time.Unix(-1, 0).In(time.FixedZone("", 3600)),
	time.Now(),
}

// everyField is a notification with every field set to something.
func everyField(s string, t time.Time, i int) Notification {
	ev := Event{App: s, Room: s, RoomKey: s, User: s, Task: s, ErrorCode: s, ErrorMessage: s, URL: s, Time: t,
		Codes: []Code{{Field: s, Label: s, Value: i, Name: s, Meaning: s}, {Field: s, Value: -i}}}
	return Notification{
		ID: s, Kind: Kind(s), Rule: s, Severity: Severity(s), Event: ev, ResolvedBy: &ev, Title: s, Text: s,
		Aggregate: true, MemberKind: MemberKind(s), Members: []Member{{Name: s, Events: i}, {Name: s}},
		MemberCount: i, MembersMore: -i, Count: i, Total: i, TotalMembers: i, Flush: i, DedupKey: s, Incident: s,
		CreatedAt: t, RetriedAt: t, Receiver: Receiver{Name: s, Kind: ReceiverKind(s), Channel: s, Mentions: []string{s, s}},
		Note: s,
		Enrichment: &Enrichment{Events: []ClientEvent{{Time: t, Table: s, ID: i, Name: s, PeerID: s}},
			Experiences: []Experience{{Time: t, UserID: s, Causes: []Cause{{ID: i, Name: s}}}}, DismissalPending: true},
		Digest: &Digest{Pages: i, ByRule: []DigestRule{{Rule: s, Severity: Severity(s)}}, Since: t, Until: t,
			Examples: []DigestExample{{PageID: s, Event: ev}}, Interval: time.Duration(i)},
	}
}

func notificationCases() map[string]Notification {
	at := jsonTimes[2]
	cases := map[string]Notification{
		"empty":        {},
		"typical":      typicalNotification(),
		"empty slices": {Members: []Member{}, Event: Event{Codes: []Code{}}, Receiver: Receiver{Mentions: []string{}}},
		"empty event pointer and records": {ResolvedBy: &Event{}, Enrichment: &Enrichment{}, Digest: &Digest{},
			Members: []Member{{}}, Event: Event{Codes: []Code{{}}}, Receiver: Receiver{Mentions: []string{""}}},
		"largest ints":  everyField("x", at, math.MaxInt),
		"smallest ints": everyField("x", at, math.MinInt),
		"negative ints": everyField("x", at, -7),
		"created only":  {ID: "a", CreatedAt: at},
		"retried only":  {ID: "a", RetriedAt: at},
	}
	for i, s := range hostileStrings {
		cases["string "+string(rune('a'+i))] = everyField(s, at, i)
	}
	for i, t := range jsonTimes {
		cases["time "+string(rune('a'+i))] = everyField("x", t, i)
	}
	return cases
}

func typicalNotification() Notification {
	at := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	return Notification{
		ID: "01JPBX3Q6W2YV8H6F0ZK3R9M4N", Kind: KindFiring, Rule: "cloud-recording-failed", Severity: SeverityCritical,
		Event: Event{App: "1400188366", Room: "8489", RoomKey: "s:8489", Task: "t1",
			Codes:     []Code{{Field: "event", Label: "Event", Value: 308, Name: "event.308", Meaning: "Cloud recording failed"}},
			ErrorCode: "E", ErrorMessage: `upload to <storage> failed: "quota" & retry`, Time: at},
		Count: 1, DedupKey: "cloud-recording-failed:1400188366/s:8489/t1", Incident: "1400188366/s:8489", CreatedAt: at,
		Receiver: Receiver{Name: "oncall", Kind: ReceiverSlack, Channel: "C0123456", Mentions: []string{"<!here>"}},
	}
}

// TestMarshalIsEncodingJSON: Marshal (goccy/go-json) writes what
// encoding/json writes, byte for byte, hostile strings and all: the
// scripts, older hooks and every reader expect that JSON.
func TestMarshalIsEncodingJSON(t *testing.T) {
	for name, n := range notificationCases() {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(n)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := n.Marshal(); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Marshal = %.300q, %v;\nwant %.300q", got, err, want)
			}
		})
	}
}

// TestMarshalRoundTrip: what Marshal writes decodes to the same
// notification, up to what JSON cannot carry (invalid UTF-8 becomes
// U+FFFD, a time keeps its instant and offset, not its *Location).
func TestMarshalRoundTrip(t *testing.T) {
	for name, n := range notificationCases() {
		t.Run(name, func(t *testing.T) {
			b, err := n.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnmarshalNotification(b)
			if err != nil {
				t.Fatal(err)
			}
			var want Notification // what encoding/json makes of its own output
			if err := json.Unmarshal(mustMarshal(t, n), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip:\n got %.300v\nwant %.300v", got, want)
			}
		})
	}
}

// TestUnmarshalNotificationOfThePreviousVersion: entries a previous version
// queued (testdata, written by its hand encoder) decode to what it encoded,
// so an upgrade loses no page.
func TestUnmarshalNotificationOfThePreviousVersion(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	every := everyField("x <é>", at, 7)
	every.Why = &Why{Need: 3, Share: 0.3, Of: "room", Within: time.Minute, For: time.Second, Dropped: 4, Away: 2, Population: 10}
	every.Runbook = &Runbook{URL: "https://example.com/rb", Text: "do <this> & that"}
	for file, want := range map[string]Notification{
		"notification-typical-v1.json":     typicalNotification(),
		"notification-every-field-v1.json": every,
	} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalNotification(b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", file, got, want)
		}
		if again, err := got.Marshal(); err != nil || !bytes.Equal(again, bytes.TrimSpace(b)) {
			t.Errorf("%s: this version writes it otherwise:\n got %s, %v\nwant %s", file, again, err, b)
		}
	}
}

// TestMarshalRefusesWhatEncodingJSONRefuses: times RFC 3339 cannot
// express fail, wherever they are.
func TestMarshalRefusesWhatEncodingJSONRefuses(t *testing.T) {
	bad := map[string]time.Time{
		"year 10000":   time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"year -1":      time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		"offset 24h":   time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
		"offset -100h": time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", -100*3600)),
	}
	for name, at := range bad {
		for where, n := range map[string]Notification{
			"created_at": {CreatedAt: at}, "retried_at": {RetriedAt: at}, "event": {Event: Event{Time: at}},
			"resolved_by": {ResolvedBy: &Event{Time: at}}, "digest": {Digest: &Digest{Since: at}},
		} {
			if _, err := json.Marshal(n); err == nil {
				t.Fatalf("%s in %s: encoding/json accepts it", name, where)
			}
			if b, err := n.Marshal(); err == nil {
				t.Errorf("%s in %s: Marshal = %q, want an error", name, where, b)
			}
		}
	}
}

// TestUnmarshalOddInputs: what is not a notification is an error, never a
// panic; what encoding/json accepts is accepted.
func TestUnmarshalOddInputs(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{``, false}, {`null`, true}, {`{}`, true}, {`[]`, false}, {`{"id":1}`, false}, {`{"id":"a"`, false},
		{`{"id":"a"} x`, false}, {`{"ID":"a","unknown":[1,{"x":null}]}`, true}, {`{"members":null}`, true},
		{`{"created_at":"yesterday"}`, false}, {`{"count":1.5}`, false}, {`{"count":1e400}`, false},
		{`{"event":{"codes":[{"value":"3"}]}}`, false}, {"{\"id\":\"\xff\"}", true}, {`{"id":"\ud800"}`, true},
	} {
		_, err := UnmarshalNotification([]byte(tc.in))
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.in, err, tc.ok)
		}
		_, err = UnmarshalReceiver([]byte(tc.in))
		if wantErr := json.Unmarshal([]byte(tc.in), new(Receiver)); (err == nil) != (wantErr == nil) {
			t.Errorf("receiver %q: error %v, encoding/json's %v", tc.in, err, wantErr)
		}
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func BenchmarkMarshal(b *testing.B) {
	n := typicalNotification()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalNotification(b *testing.B) {
	j, err := typicalNotification().Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnmarshalNotification(j); err != nil {
			b.Fatal(err)
		}
	}
}
