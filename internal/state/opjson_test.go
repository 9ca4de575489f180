package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
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

// wantOp is what encode wrote before appendOp: o, with the receivers as
// strings, through encoding/json (and no notification: it travels beside).
func wantOp(t *testing.T, o op, rs []alert.Receiver) []byte {
	t.Helper()
	o.N, o.R = "", make([]string, 0, len(rs))
	for _, r := range rs {
		rb, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		o.R = append(o.R, string(rb))
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpJSONMatchesEncodingJSON(t *testing.T) {
	manyLabels := map[string]string{}
	for i := range 40 {
		manyLabels[fmt.Sprintf("k%02d<\xff>", 39-i)] = fmt.Sprint(i)
	}
	ops := map[string]op{
		"zero": {},
		"page": {Op: alert.OpPage, Rule: "r", K: opKeys{Dedup: "{hook}:dedup:r:x"}, Window: 60000, Ev: 1700000000000,
			Labels: map[string]string{"rule": "r", "app": "1", "room": "8489"}, Member: "u"},
		"every field": {Op: alert.OpThreshold, Rule: "r", Window: 1, Ev: -5, Member: "m", Count: 3, Within: 60000, Wait: 1000,
			K: opKeys{Dedup: "d", Win: "w", Pend: "p", Clr: "c", Grp: "g", GrpNew: "gn", GrpAll: "ga",
				Src: []markOp{{Key: "s1", Hold: 1}, {Key: "s2", Hold: math.MaxInt64}}, Tgt: []string{"t1", "t2"},
				Mem: "wm", Drop: "dr", Arm: "ar", Pop: "po"},
			Labels: manyLabels, Group: &groupOp{ID: "g", Wait: 0, Interval: math.MinInt64, Hold: -1},
			Detail: "Anchor\x1fTimeout", Share: 5000, Present: math.MaxInt32, App: "1400000001"},
		"empty collections": {K: opKeys{Src: []markOp{}, Tgt: []string{}}, Labels: map[string]string{}, Group: &groupOp{}},
		"negative":          {Count: -1, Within: -1, Wait: math.MinInt64, Ev: math.MinInt64, Window: math.MaxInt64, Share: -1, Present: -1},
	}
	for i, s := range hostile {
		ops[fmt.Sprint("hostile ", i)] = op{Op: alert.Op(s), Rule: s, Member: s, Labels: map[string]string{s: s, s + "2": s},
			K: opKeys{Dedup: s, Win: s, Pend: s, Clr: s, Grp: s, GrpNew: s, GrpAll: s, Src: []markOp{{Key: s}}, Tgt: []string{s, s},
				Mem: s, Drop: s, Arm: s, Pop: s},
			Group: &groupOp{ID: s}, Detail: s, App: s}
	}
	receivers := [][]alert.Receiver{nil, {}, {{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "C1", Mentions: []string{"<!here>", "<@U1>"}}, {}}}
	for _, s := range hostile {
		receivers = append(receivers, []alert.Receiver{{Name: s, Kind: alert.ReceiverKind(s), Channel: s, Mentions: []string{s}}})
	}
	for name, o := range ops {
		for i, rs := range receivers {
			want := wantOp(t, o, rs)
			if got := appendOp([]byte("prefix"), &o, rs); !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("%s, receivers %d:\n got %q\nwant %q", name, i, got, want)
			}
		}
	}
}

// TestEncodeMatchesEncodingJSON: every kind of op encode builds is what
// encoding/json made of it, with the notification and receivers as their
// JSON.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	ks := keyspace.New("hook")
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
		alerts[fmt.Sprint("hostile notification ", i)] = with(base, alert.OpPage, func(a *alert.Alert) {
			a.Notification.Title, a.Notification.Event.ErrorMessage = s, s
			a.Receivers = []alert.Receiver{{Name: s, Kind: alert.ReceiverKind(s), Mentions: []string{s}}}
		})
	}
	for name, a := range alerts {
		b, n, k, err := encode(ks, a)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch want, _ := a.Notification.Marshal(); {
		case (a.Op == alert.OpRecover || a.Op == alert.OpRearm) && n != nil:
			t.Errorf("%s: a recovery carries a notification %q it never pages with", name, n)
		case a.Op != alert.OpRecover && a.Op != alert.OpRearm && !bytes.Equal(n, want):
			t.Errorf("%s: notification\n got %q\nwant %q", name, n, want)
		}
		var o op
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatalf("%s: %v in %q", name, err, b)
		}
		if !reflect.DeepEqual(o.K, k) {
			t.Errorf("%s: keys %+v, op says %+v", name, k, o.K)
		}
		if o.N != "" {
			t.Errorf("%s: the op carries its notification", name)
		}
		o.R = nil
		if want := wantOp(t, o, a.Receivers); !bytes.Equal(b, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, b, want)
		}
		if len(b) != cap(b) {
			t.Errorf("%s: op of %d bytes has capacity %d", name, len(b), cap(b))
		}
	}
	if _, _, _, err := encode(ks, with(base, "explode", func(*alert.Alert) {})); err == nil {
		t.Error("encode of an unknown op: no error")
	}
	bad := with(base, alert.OpPage, func(a *alert.Alert) { a.Notification.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })
	if _, _, _, err := encode(ks, bad); err == nil {
		t.Error("encode of a notification encoding/json refuses: no error")
	}
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
