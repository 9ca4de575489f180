package alert

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// encodings are the ways a notification reaches the decoder: AppendJSON
// (the outbox), encoding/json, and indented, for whitespace everywhere.
func encodings(t testing.TB, n Notification) map[string][]byte {
	t.Helper()
	appended, err := n.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	indented, err := json.MarshalIndent(n, " ", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"AppendJSON": appended, "json.Marshal": mustMarshal(t, n), "indented": indented}
}

// checkNotification holds UnmarshalNotification to encoding/json on b:
// the same value, an error exactly when it errs, wrapped as before.
func checkNotification(t testing.TB, b []byte) {
	t.Helper()
	var want Notification
	wantErr := json.Unmarshal(b, &want)
	got, err := UnmarshalNotification(b)
	checkSame(t, b, got, want, err, wantErr, "decode notification: ")
}

func checkReceiver(t testing.TB, b []byte) {
	t.Helper()
	var want Receiver
	wantErr := json.Unmarshal(b, &want)
	got, err := UnmarshalReceiver(b)
	checkSame(t, b, got, want, err, wantErr, "decode receiver: ")
}

func checkSame[T any](t testing.TB, in []byte, got, want T, err, wantErr error, prefix string) {
	t.Helper()
	switch {
	case (err != nil) != (wantErr != nil):
		t.Fatalf("input %q: error %v, encoding/json's %v", in, err, wantErr)
	case err != nil && (!strings.HasPrefix(err.Error(), prefix) || errors.Unwrap(err) == nil):
		t.Fatalf("input %q: error %q is not wrapped as %q", in, err, prefix+"%w")
	case err == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("input %q:\n got %#v\nwant %#v", in, got, want)
	}
}

func TestUnmarshalNotificationMatchesEncodingJSON(t *testing.T) {
	for name, n := range notificationCases() {
		for how, b := range encodings(t, n) {
			t.Run(name+"/"+how, func(t *testing.T) {
				checkNotification(t, b)
				// What the encoders write must not need encoding/json.
				if _, ok := decodeNotification(string(b)); !ok {
					t.Fatalf("fast path refused %q", b)
				}
				checkReceiver(t, n.Receiver.AppendJSON(nil))
				if r := jsonReaderOf(n.Receiver.AppendJSON(nil)); !r.receiver(new(Receiver)) || !r.end() {
					t.Fatalf("fast path refused receiver %+v", n.Receiver)
				}
			})
		}
	}
}

func jsonReaderOf(b []byte) *jsonReader { return &jsonReader{s: string(b)} }

// oddInputs are JSON texts no encoder of hook's writes, each with whether
// the fast path reads it (else encoding/json does, or refuses it).
var oddInputs = []struct {
	in   string
	fast bool
}{
	{`{}`, true},
	{" \t\n{ \"id\" : \"a\" ,\r\n\"kind\":\"firing\" , \"event\" : { \"codes\" : [ { \"value\" : 1 } , {} ] } } \r\n", true},
	{`{"ID":"a"}`, false},
	{`{"Id":"a"}`, false},
	{`{"Event":{}}`, false},
	{`{"event":{"App":"a"}}`, false},
	{`{"receiver":{"Name":"a"}}`, false},
	{"{\"\u212aind\":\"x\"}", false}, // KELVIN SIGN folds to k
	{`{"\u0069d":"a"}`, false},
	{`{"id":"a","id":"b"}`, false},
	{`{"event":{"app":"a"},"event":{"room":"b"}}`, false},
	{`{"members":[{"name":"a","events":1}],"members":[{"events":2}]}`, false},
	{`{"event":{"codes":[{"value":1,"value":2}]}}`, false},
	{`{"unknown":1}`, false},
	{`{"x":{"y":[1,2,{"z":null}],"w":"}"}}`, false},
	{`{"id":null}`, false},
	{`{"event":null}`, false},
	{`{"resolved_by":null}`, false},
	{`{"members":null}`, false},
	{`{"members":[null]}`, false},
	{`{"created_at":null}`, false},
	{`{"aggregate":null}`, false},
	{`null`, false},
	{`[]`, false},
	{`"x"`, false},
	{`{"count":1e2}`, false},
	{`{"count":1.0}`, false},
	{`{"count":1E0}`, false},
	{`{"count":-0}`, true},
	{`{"count":01}`, false},
	{`{"count":-}`, false},
	{`{"count":+1}`, false},
	{`{"count":"1"}`, false},
	{`{"count":99999999999999999999}`, false},
	{`{"count":9223372036854775807,"total":-9223372036854775808,"flush":1234567890}`, true},
	{`{"count":9223372036854775808}`, false},
	{`{"id":"a"} x`, false},
	{`{"id":"a"}{}`, false},
	{`{"id":"a"`, false},
	{`{"id":"a`, false},
	{`{"id":`, false},
	{``, false},
	{` `, false},
	{`{,"id":"a"}`, false},
	{`{"id":"a",}`, false},
	{`{"id" "a"}`, false},
	{`{"id":"a" "kind":"b"}`, false},
	{`{"members":[{"name":"a"},]}`, false},
	{`{"members":[,{"name":"a"}]}`, false},
	{`{"members":[{"name":"a"} {"name":"b"}]}`, false},
	{`{"event":{"codes":[1]}}`, false},
	{`{"id":"esc \" \\ \/ \b \f \n \r \t \u0041\u00e9\u4e2d \ud83d\ude00 \u003c\u0026\u2028"}`, true},
	{`{"id":"lone \ud800 \udc00 \ud800\ud800 \ud800x \ud800\u0041 \udbff\udfff"}`, true},
	{`{"id":"cut \ud83d"}`, true},
	{`{"id":"\ud83d\u"}`, false},
	{`{"id":"\x"}`, false},
	{`{"id":"\'"}`, false},
	{`{"id":"\u12"}`, false},
	{`{"id":"\u12g4"}`, false},
	{`{"id":"\`, false},
	{"{\"id\":\"bad \xff\"}", false},
	{"{\"id\":\"bad \xed\xa0\x80 surrogate\"}", false},
	{"{\"id\":\"bad \\n then \xff\"}", false},
	{"{\"id\":\"bad \xf0\x9f\x98 then \\n\"}", false},
	{"{\"id\":\"ctl \x01\"}", false},
	{"{\"id\":\"tab \t\"}", false},
	{"{\"id\":\"del \x7f, é, 😀\"}", true},
	{"{\"id\":\"escaped \\n and é 😀\"}", true},
	{`{"aggregate":true}`, true},
	{`{"aggregate":false}`, true},
	{`{"aggregate":tru}`, false},
	{`{"aggregate":truex}`, false},
	{`{"aggregate":1}`, false},
	{`{"aggregate":"true"}`, false},
	{`{"created_at":"2025-03-14T09:26:53Z"}`, true},
	{`{"created_at":"2025-03-14T09:26:53.123456789+05:30"}`, true},
	{`{"created_at":"2025-03-14T09:26:53.5-08:00","retried_at":"0001-01-01T00:00:00Z"}`, true},
	{`{"created_at":"2025-03-14T09:26:53+00:00"}`, true},
	{`{"created_at":"2025-03-14T09:26:53.0000000000001Z"}`, true},
	{`{"created_at":"2025-03-14 09:26:53Z"}`, false},
	{`{"created_at":"2025-03-14T09:26:53"}`, false},
	{`{"created_at":"2025-03-14T9:26:53Z"}`, true}, // time.Parse's leniency, as encoding/json has it
	{`{"created_at":"2025-03-14T09:26:53+24:00"}`, true},
	{`{"created_at":"\u0032025-03-14T09:26:53Z"}`, false},
	{`{"created_at":""}`, false},
	{`{"created_at":1}`, false},
	{`{"event":{"time":"2025-03-14T09:26:53Z","codes":[]}}`, true},
	{`{"members":[],"receiver":{"mentions":[]}}`, true},
	{`{"resolved_by":{}}`, true},
	{`{"resolved_by":{"time":"x"}}`, false},
	{`{"enrichment":{"events":[]},"digest":{"pages":1,"interval":5}}`, true},
	{`{"enrichment":null,"digest":null}`, true},
	{`{"enrichment":{"x":"}]\"{"},"digest":{"y":[{}]}}`, true},
	{`{"enrichment":5}`, false},
	{`{"enrichment":{"events":[}}`, false},
	{`{"enrichment":{"events":"x"}}`, false},
	{`{"enrichment":{"a":1]}`, false},
	{`{"digest":nul}`, false},
	{`{"digest":{}`, false},
}

func TestUnmarshalNotificationOddInputs(t *testing.T) {
	for _, tc := range oddInputs {
		checkNotification(t, []byte(tc.in))
		if _, fast := decodeNotification(tc.in); fast != tc.fast {
			t.Errorf("input %q: fast path %v, want %v", tc.in, fast, tc.fast)
		}
	}
}

func TestUnmarshalReceiverOddInputs(t *testing.T) {
	for _, in := range []string{
		`{}`, `{"name":"a","kind":"slack","channel":"C1","mentions":["<!here>","\u003c@U1\u003e"]}`,
		` { "mentions" : [ ] } `, `{"mentions":null}`, `{"mentions":[null]}`, `{"mentions":[1]}`,
		`{"Name":"a"}`, `{"name":"a","name":"b"}`, `{"name":"a"}x`, `{"name":"a"`, ``, `null`,
		`{"extra":{}}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"mentions":["a",]}`,
	} {
		checkReceiver(t, []byte(in))
	}
}

// TestUnmarshalNotificationProperty: random notifications decode as
// encoding/json decodes them, and so do their encodings with bytes
// changed, deleted and repeated at random.
func TestUnmarshalNotificationProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2025))
	for range 500 {
		n := randomNotification(rng)
		for _, b := range encodings(t, n) {
			if _, ok := decodeNotification(string(b)); !ok {
				t.Fatalf("fast path refused %q", b)
			}
			checkNotification(t, b)
			for range 4 {
				checkNotification(t, mutate(rng, b))
			}
		}
		checkReceiver(t, mutate(rng, n.Receiver.AppendJSON(nil)))
	}
}

func randomNotification(rng *rand.Rand) Notification {
	s := func() string { return randomString(rng) }
	i := func() int { return int(rng.Int64()) >> rng.IntN(64) }
	var n Notification
	if rng.IntN(8) == 0 {
		n = everyField(s(), randomTime(rng), i())
	} else {
		n = typicalNotification()
		n.ID, n.Event.ErrorMessage, n.Receiver.Name, n.Count = s(), s(), s(), i()
		n.CreatedAt, n.Event.Time = randomTime(rng), randomTime(rng)
	}
	switch rng.IntN(4) {
	case 0:
		n.Members, n.Event.Codes, n.Receiver.Mentions = []Member{}, []Code{}, []string{}
	case 1:
		n.Members, n.Event.Codes, n.Receiver.Mentions = nil, nil, nil
	case 2:
		n.Members = []Member{{Name: s(), Events: i()}, {Name: s(), Events: i()}}
		n.ResolvedBy = &Event{User: s(), Time: randomTime(rng)}
	}
	return n
}

func randomString(rng *rand.Rand) string {
	if rng.IntN(3) == 0 {
		return hostileStrings[rng.IntN(len(hostileStrings)-1)] // not the long one
	}
	pieces := []string{"a", "Z", "0", " ", `"`, `\`, "/", "<", ">", "&", "\x00", "\x1f", "\n", "\x7f", "é",
		"\u2028", "\u2029", "😀", "中", "\ufffd", "\xff", "\xed\xa0\x80", "\\u0041", "\\ud800"}
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randomTime(rng *rand.Rand) time.Time {
	if rng.IntN(5) == 0 {
		return time.Time{}
	}
	sec := rng.Int64N(253402300799-(-62135596800)) - 62135596800 // years 1..9999
	t := time.Unix(sec, rng.Int64N(1e9)).UTC()
	if rng.IntN(2) == 0 {
		t = t.Truncate(time.Second)
	}
	if rng.IntN(2) == 0 {
		t = t.In(time.FixedZone("", (rng.IntN(47*60)-23*60)*60))
	}
	if t.Year() > 9999 || t.Year() < 0 {
		return t.UTC()
	}
	return t
}

// mutate changes b at one or two random places, as a fuzzer would.
func mutate(rng *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	for range 1 + rng.IntN(2) {
		if len(out) == 0 {
			return append(out, '{')
		}
		at := rng.IntN(len(out))
		switch rng.IntN(4) {
		case 0:
			out[at] = `{}[],:" \-.0e1nt\ufK`[rng.IntN(20)]
		case 1:
			out = append(out[:at], out[at+1:]...)
		case 2:
			end := min(len(out), at+1+rng.IntN(16))
			out = append(out[:end], append(append([]byte(nil), out[at:end]...), out[end:]...)...)
		default:
			out = out[:at]
		}
	}
	return out
}

func BenchmarkUnmarshalNotification(b *testing.B) {
	page, err := typicalNotification().AppendJSON(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := UnmarshalNotification(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var n Notification
			if err := json.Unmarshal(page, &n); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUnmarshalReceiver(b *testing.B) {
	r := typicalNotification().Receiver.AppendJSON(nil)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := UnmarshalReceiver(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var rc Receiver
			if err := json.Unmarshal(r, &rc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
