package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// hostile are strings JSON escaping gets wrong most easily.
var hostile = []string{
	"", "plain", `quote " backslash \ \"`, "<a href='x'>&amp;</a>", "\u2028\u2029", "bad \xff utf8 \xed\xa0\x80 \xe2\x82",
	"\x00\x01\x1f\x7f\b\f\n\r\t", "emoji 😀, é, 中文", strings.Repeat("long <\"é\u2028\x01\xff ", 2000),
}

// encodeCases are every kind of op encode builds.
func encodeCases() map[string]alert.Alert {
	with := func(a alert.Alert, op alert.Op, f func(*alert.Alert)) alert.Alert {
		a.Op = op
		f(&a)
		return a
	}
	base := typicalAlert()
	alerts := map[string]alert.Alert{
		"default op": with(base, "", func(*alert.Alert) {}),
		"page":       base,
		"threshold":  with(base, alert.OpThreshold, func(a *alert.Alert) { a.StateKey, a.Count, a.Within = "s", 3, time.Minute }),
		"threshold waiting for recovery": with(base, alert.OpThreshold, func(a *alert.Alert) {
			a.StateKey, a.Count, a.Within, a.For = "s", 3, time.Minute, time.Second
		}),
		"relative threshold of the room": with(base, alert.OpThreshold, func(a *alert.Alert) {
			a.StateKey, a.Count, a.Within, a.Share, a.Of = "s", 3, time.Minute, 5000, alert.OfRoom
			a.MemberRole, a.MemberReason = "Anchor", "Timeout"
		}),
		"relative threshold of the app, waiting, with rearm": with(base, alert.OpThreshold, func(a *alert.Alert) {
			a.StateKey, a.Count, a.Within, a.For, a.Share, a.Of, a.Present = "s", 3, time.Minute, time.Second, 3333, alert.OfApp, 12
			a.Rearm, a.MemberReason = true, "bad \x1f\n reason"
		}),
		"rearm":   with(base, alert.OpRearm, func(a *alert.Alert) { a.StateKey, a.Within = "s", time.Minute }),
		"recover": with(base, alert.OpRecover, func(a *alert.Alert) { a.Within, a.For = time.Minute, time.Millisecond/2 }),
		"pending": with(base, alert.OpPending, func(a *alert.Alert) { a.For = 90 * time.Second }),
		"clear":   with(base, alert.OpClear, func(a *alert.Alert) { a.Labels = nil }),
		"grouped with inhibitions": with(base, alert.OpPage, func(a *alert.Alert) {
			a.Group = &alert.Group{ID: "g", Wait: -time.Second, Interval: time.Minute, Hold: time.Hour}
			a.InhibitSources = []alert.InhibitMark{{Key: "m1", Hold: time.Minute}, {Key: "m2"}}
			a.InhibitTargets = []string{"t1", "t2"}
		}),
		"no receivers": with(base, alert.OpPage, func(a *alert.Alert) { a.Receivers = nil }),
	}
	for i, s := range hostile {
		alerts[fmt.Sprint("hostile ", i)] = with(base, alert.OpPage, func(a *alert.Alert) {
			a.Rule, a.Member, a.DedupKey, a.Labels = s, s, s, map[string]string{s: s}
			a.Notification.Title, a.Notification.Event.ErrorMessage = s, s
			a.Receivers = []alert.Receiver{{Name: s, Kind: alert.ReceiverKind(s), Mentions: []string{s}}}
		})
	}
	return alerts
}

// TestEncode: the op the scripts read says what the alert asks for, names
// the keys encode returns, and carries each receiver as the JSON text the
// outbox entry keeps; the notification travels beside it.
func TestEncode(t *testing.T) {
	ks := keyspace.New("hook")
	for name, a := range encodeCases() {
		b, n, k, err := encode(ks, a)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch a.Op {
		case alert.OpRecover, alert.OpRearm:
			if n != nil {
				t.Errorf("%s: a recovery carries a notification %q it never pages with", name, n)
			}
		case alert.OpClear:
			// A resolved page reads the clearing event of it, nothing else.
			got, err := alert.UnmarshalNotification(n)
			if want := (alert.Notification{Event: viaJSON(t, a.Notification.Event)}); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: clearing notification %s, %v; want its event only", name, n, err)
			}
		default:
			got, err := alert.UnmarshalNotification(n)
			if want := viaJSON(t, a.Notification); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: notification %.200s, %v", name, n, err)
			}
		}
		var o op
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatalf("%s: %v in %q", name, err, b)
		}
		// Invalid UTF-8 arrives as U+FFFD, as it always did.
		if !reflect.DeepEqual(o.K, viaJSON(t, k)) {
			t.Errorf("%s: keys differ from the op's", name)
		}
		wantOp := a.Op
		if wantOp == "" {
			wantOp = alert.OpPage
		}
		if o.Op != wantOp || o.Rule != viaJSON(t, a.Rule) || o.Ev != a.EventMs || o.Member != viaJSON(t, a.Member) || o.N != "" {
			t.Errorf("%s: op says op %q, rule %.40q, ev %d, member %.40q, n %.40q", name, o.Op, o.Rule, o.Ev, o.Member, o.N)
		}
		if len(a.Labels) > 0 && !reflect.DeepEqual(o.Labels, viaJSON(t, a.Labels)) {
			t.Errorf("%s: labels differ", name)
		}
		if o.R == nil || len(o.R) != len(a.Receivers) {
			t.Fatalf("%s: receivers %q: the scripts need a list, even empty", name, o.R)
		}
		for i, r := range o.R {
			if !reflect.DeepEqual(alert.Receiver(r), viaJSON(t, a.Receivers[i])) {
				t.Errorf("%s: receiver %d: %.80q", name, i, r.Name)
			}
		}
	}
	bad := typicalAlert()
	bad.Op = "explode"
	if _, _, _, err := encode(ks, bad); err == nil {
		t.Error("encode of an unknown op: no error")
	}
	bad = typicalAlert()
	bad.Notification.Event.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, _, _, err := encode(ks, bad); err == nil {
		t.Error("encode of a notification encoding/json refuses: no error")
	}
}

// TestEncodeKeepsThePreviousWireForm: an op a previous version stored in a
// pending alert (testdata, written by its hand encoder) decodes into the
// same op as this version's, and this version writes it byte for byte.
func TestEncodeKeepsThePreviousWireForm(t *testing.T) {
	old, err := os.ReadFile("testdata/op-threshold-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	a := typicalAlert()
	a.Op, a.StateKey, a.Count, a.Within, a.For, a.Share, a.Of, a.Present = alert.OpThreshold, "s", 3, time.Minute, time.Second, 3333, alert.OfApp, 12
	a.Rearm, a.MemberRole, a.MemberReason = true, "Anchor", "Timeout"
	a.Group = &alert.Group{ID: "g", Wait: time.Second, Interval: time.Minute, Hold: time.Hour}
	a.InhibitSources = []alert.InhibitMark{{Key: "m1", Hold: time.Minute}}
	a.InhibitTargets = []string{"t1"}
	b, _, _, err := encode(keyspace.New("hook"), a)
	if err != nil {
		t.Fatal(err)
	}
	// One change is deliberate: a threshold's drop details moved from a
	// sorted set ("drop") to a hash ("drops"), under a new name so that an
	// older replica's tick leaves the new hash alone (timers.go reads both).
	old = bytes.Replace(old, []byte(`"drop":"{hook}:drop:`), []byte(`"drops":"{hook}:drops:`), 1)
	if got, want := string(b), strings.TrimSpace(string(old)); got != want {
		t.Errorf("op changed its wire form:\n got %s\nwant %s", got, want)
	}
	var was, is op
	if err := json.Unmarshal(old, &was); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &is); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(was, is) {
		t.Errorf("old op decodes to\n%+v\nnew to\n%+v", was, is)
	}
}

// FuzzOp: whatever the bytes, decoding an op never panics, and what
// decodes encodes to an op that decodes the same.
func FuzzOp(f *testing.F) {
	ks := keyspace.New("hook")
	for _, a := range encodeCases() {
		if b, _, _, err := encode(ks, a); err == nil && len(b) <= 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var o op
		if json.Unmarshal(b, &o) != nil {
			return
		}
		again, err := json.Marshal(&o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		var back op
		if err := json.Unmarshal(again, &back); err != nil || !reflect.DeepEqual(normalOp(back), normalOp(o)) {
			t.Fatalf("round trip of %.200q: %v", again, err)
		}
	})
}

// normalOp is o as a round trip keeps it: empty lists and maps left out.
func normalOp(o op) op {
	if len(o.Labels) == 0 {
		o.Labels = nil
	}
	if len(o.K.Src) == 0 {
		o.K.Src = nil
	}
	if len(o.K.Tgt) == 0 {
		o.K.Tgt = nil
	}
	return o
}

// viaJSON is v as encoding/json gives it back.
func viaJSON[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// typicalAlert is what a task-failure callback fires: a page with labels,
// codes and two receivers.
func typicalAlert() alert.Alert {
	at := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	return alert.Alert{
		Op: alert.OpPage, Rule: "cloud-recording-failed", EventMs: at.UnixMilli(),
		Labels:   map[string]string{"app": "1400188366", "room": "8489", "rule": "cloud-recording-failed", "severity": "critical", "task": "t1"},
		DedupKey: "cloud-recording-failed:1400188366/s:8489/t1", Window: 10 * time.Minute, Member: "t1",
		Notification: alert.Notification{
			ID: "01JPBX3Q6W2YV8H6F0ZK3R9M4N", Kind: alert.KindFiring, Rule: "cloud-recording-failed", Severity: alert.SeverityCritical,
			Event: alert.Event{App: "1400188366", Room: "8489", RoomKey: "s:8489", Task: "t1",
				Codes:     []alert.Code{{Field: "event", Label: "Event", Value: 308, Name: "event.308", Meaning: "Cloud recording failed"}},
				ErrorCode: "E", ErrorMessage: `upload to <storage> failed: "quota" & retry`, Time: at},
			Count: 1, DedupKey: "cloud-recording-failed:1400188366/s:8489/t1", Incident: "1400188366/s:8489", CreatedAt: at,
		},
		Receivers: []alert.Receiver{
			{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "C0123456", Mentions: []string{"<!here>", "<@U123>"}},
			{Name: "console", Kind: alert.ReceiverConsole},
		},
	}
}

func BenchmarkEncode(b *testing.B) {
	ks := keyspace.New("hook")
	a := typicalAlert()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := encode(ks, a); err != nil {
			b.Fatal(err)
		}
	}
}
