package alert

import (
	"bytes"
	"encoding/json"
	"math"
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

func TestNotificationJSONMatchesEncodingJSON(t *testing.T) {
	for name, n := range notificationCases() {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := n.AppendJSON([]byte("prefix"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("AppendJSON:\n got %q\nwant %q", got, want)
			}
			if got, err := n.Marshal(); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Marshal = %q, %v;\nwant %q", got, err, want)
			}
			if got := n.Receiver.AppendJSON(nil); !bytes.Equal(got, mustMarshal(t, n.Receiver)) {
				t.Fatalf("Receiver.AppendJSON = %q, want %q", got, mustMarshal(t, n.Receiver))
			}
		})
	}
}

// TestNotificationJSONRefusesWhatEncodingJSONRefuses: times RFC 3339 cannot
// express fail in both, wherever they are.
func TestNotificationJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
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

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range append(hostileStrings, "{\"json\":\"\\u003c\\\"\"}") {
		want := mustMarshal(t, s)
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendJSONString(%q) = %q, want %q", s, got, want)
		}
		if got := AppendJSONString(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Errorf("AppendJSONString([]byte(%q)) = %q, want %q", s, got, want)
		}
	}
	for c := range 256 {
		s := string([]byte{'a', byte(c), 'b'})
		if got, want := AppendJSONString(nil, s), mustMarshal(t, s); !bytes.Equal(got, want) {
			t.Errorf("byte %#x: got %q, want %q", c, got, want)
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

// FuzzNotificationJSON builds notifications from fuzzed strings, numbers
// and times: AppendJSON must write what json.Marshal writes, and fail
// where it fails.
func FuzzNotificationJSON(f *testing.F) {
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
		got, err := n.AppendJSON(nil)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("AppendJSON error %v, json.Marshal error %v", err, wantErr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON:\n got %q\nwant %q", got, want)
		}
	})
}

func BenchmarkNotificationJSON(b *testing.B) {
	n := typicalNotification()
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := n.Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			var err error
			if buf, err = n.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAppendJSONString(b *testing.B) {
	j, _ := json.Marshal(typicalNotification())
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(j)))
	for b.Loop() {
		buf = AppendJSONString(buf[:0], j)
	}
}
