package backtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/rules"
)

const liveApp = "1400000001"

func compile(t testing.TB, cat *catalog.Catalog, name, src string) *rules.Ruleset {
	t.Helper()
	rs, err := rules.Compile(name, []byte(src), cat, func(string) string { return "k" })
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// fileSource replays a timeline file as the app.
func fileSource(t testing.TB, path, app string) Source {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ReadTimeline(bytes.NewReader(data), app)
}

// timelines are the shipped timelines: the examples and the scenes'.
func timelines(t testing.TB) []string {
	t.Helper()
	a, _ := filepath.Glob("../../examples/*.json")
	b, _ := filepath.Glob("../../cmd/hook/testdata/timelines/*.json")
	if len(a) == 0 || len(b) == 0 {
		t.Fatal("no timelines found")
	}
	return append(a, b...)
}

// pageID is what makes a page the same page, and when it went out.
func pageID(n alert.Notification, at time.Time) string {
	return fmt.Sprintf("%s %s %s %s @%s", n.Rule, n.Kind, n.DedupKey, n.Receiver.Name, at.UTC().Format("15:04:05"))
}

// The replay pages what `hook test --sequence` (an exact rehearsal, every
// timer at its due time) pages for every shipped timeline, at the same
// second, although it runs callbacks' alerts together in one script and
// lets TTLs lag.
func TestReplayAgreesWithRehearsal(t *testing.T) {
	cat := catalogtest.New(t)
	rs := exampleRuleset(t, cat)
	for _, path := range timelines(t) {
		for _, every := range []int{compactEvery, 7} {
			t.Run(fmt.Sprintf("%s/compact every %d", filepath.Base(path), every), func(t *testing.T) {
				agreesWithRehearsal(t, cat, rs, path, every)
			})
		}
	}
}

// agreesWithRehearsal replays the timeline at path, compacting the
// replay's Redis every so many callbacks, and compares with the rehearsal.
func agreesWithRehearsal(t *testing.T, cat *catalog.Catalog, rs *rules.Ruleset, path string, every int) {
	var events []callback.Event
	if err := fileSource(t, path, liveApp)(context.Background(), func(e recordEntry) error {
		ev, err := callback.Decode(e.App, e.Body)
		events = append(events, ev)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	steps, err := rehearsal.Run(context.Background(), cat, rs, events, DefaultSettle)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, st := range steps {
		for _, p := range st.Pages {
			want = append(want, pageID(p, st.At))
		}
	}
	r, err := newReplayer(cat, rs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	r.compactEvery = every
	var got []string
	collect := func(ps []page) {
		for _, p := range ps {
			got = append(got, pageID(p.n, p.at))
		}
	}
	ctx := context.Background()
	slices.SortStableFunc(events, func(a, b callback.Event) int { return int(a.EventMs - b.EventMs) })
	for _, ev := range events {
		ps, err := r.handle(ctx, ev, ev.EventTime(), nil)
		if err != nil {
			t.Fatal(err)
		}
		collect(ps)
	}
	ps, err := r.finish(ctx, r.now.Add(DefaultSettle))
	if err != nil {
		t.Fatal(err)
	}
	collect(ps)
	slices.Sort(got)
	slices.Sort(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("replay paged:\n%s\nthe rehearsal:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The same rules on both sides change nothing: every page is kept.
func TestSameRulesChangeNothing(t *testing.T) {
	cat := catalogtest.New(t)
	rs := exampleRuleset(t, cat)
	app := busyApp{seed: 3, n: 4000, start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), rate: 116, rooms: 50}
	rep, err := Run(context.Background(), Options{Catalog: cat, Current: rs, New: rs, CurrentName: "a", NewName: "b"}, app.source())
	if err != nil {
		t.Fatal(err)
	}
	if rep.CurrentPages == 0 {
		t.Fatal("the busy app paged nothing: the test shows nothing")
	}
	for _, r := range rep.Rules {
		if r.Changed() || r.Current != r.New || r.Kept != r.Current {
			t.Errorf("%s: %+v", r.Rule, r)
		}
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "No rule pages differently under the new rules.") {
		t.Errorf("report:\n%s", out.String())
	}
}

// absolute and relative are the room-outage rule as the example writes it
// (five users away) and tuned to the room (half of its users, and five).
const (
	roomRules = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: room-outage
    match: {event: room.exit, reason: [timeout, force_closed]}
    threshold: {count: 5, %s within: 40s, per: "{{.App}}/{{.RoomKey}}"}
    for: 20s
    clear: {event: room.enter}
    title: "Users dropping out of room {{.Room}}"
`
)

func churnRules(t testing.TB, cat *catalog.Catalog) (absolute, relative *rules.Ruleset) {
	return compile(t, cat, "rules.yaml", fmt.Sprintf(roomRules, "")),
		compile(t, cat, "tuned.yaml", fmt.Sprintf(roomRules, "share: 50%, of: room,"))
}

// A relative threshold is judged on who is in the room, as on a server: the
// replay keeps the population from the room events. Churn (12 of 42 users
// drop, 6 still away after 20 s) pages under the absolute rule and not under the
// relative one; an outage (34 of 42) pages under both.
func TestRelativeThresholdSeesTheRoom(t *testing.T) {
	cat := catalogtest.New(t)
	absolute, relative := churnRules(t, cat)
	for _, tc := range []struct {
		file       string
		cur, new   int
		gone, kept int
	}{
		{"live-churn.json", 1, 0, 1, 0},
		{"live-outage.json", 1, 1, 0, 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := Run(context.Background(), Options{Catalog: cat, Current: absolute, New: relative, CurrentName: "rules.yaml", NewName: "tuned.yaml"},
				fileSource(t, "../../cmd/hook/testdata/timelines/"+tc.file, liveApp))
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Rules[0]
			if r.Current != tc.cur || r.New != tc.new || r.Gone != tc.gone || r.Kept != tc.kept || r.Added != 0 {
				t.Errorf("%+v, want current %d new %d gone %d kept %d", r, tc.cur, tc.new, tc.gone, tc.kept)
			}
			if tc.gone > 0 {
				e := r.GoneExamples[0]
				if e.Room != "9110" || e.Members != 6 || e.MemberKind != "users" || !strings.Contains(e.Why, "still away after 20s") {
					t.Errorf("example %+v", e)
				}
			}
		})
	}
}

// A replay that fails (here: a source whose callback fails) returns the
// error and no report; one with nothing to replay says so.
func TestRunErrors(t *testing.T) {
	cat := catalogtest.New(t)
	rs := exampleRuleset(t, cat)
	opts := Options{Catalog: cat, Current: rs, New: rs}
	boom := fmt.Errorf("redis: i/o timeout")
	_, err := Run(context.Background(), opts, func(ctx context.Context, fn func(recordEntry) error) error {
		return boom
	})
	if err != boom {
		t.Errorf("error %v, want %v", err, boom)
	}
	_, err = Run(context.Background(), opts, func(ctx context.Context, fn func(recordEntry) error) error { return nil })
	if err != ErrNothing {
		t.Errorf("error %v, want %v", err, ErrNothing)
	}
	rep, err := Run(context.Background(), opts, func(ctx context.Context, fn func(recordEntry) error) error {
		_ = fn(recordEntry{At: time.Now(), App: liveApp, Body: []byte(`{"EventGroupId":1}`)})
		return fn(recordEntry{At: time.Now(), App: liveApp, Body: []byte(`{"EventGroupId":1,"EventType":101,"CallbackTs":1,"EventInfo":{"RoomId":1}}`)})
	})
	if err != nil || rep.Callbacks != 1 || rep.Skipped != 1 {
		t.Errorf("%+v %v: want 1 replayed, 1 skipped", rep, err)
	}
}

type recordEntry = record.Entry

// A timer the very last callbacks open still fires in the settle: the
// alerts waiting for their script run first, then the timers they made.
func TestLastCallbacksOpenATimer(t *testing.T) {
	cat := catalogtest.New(t)
	absolute, _ := churnRules(t, cat)
	var b strings.Builder
	b.WriteString("[\n")
	for i := range 6 {
		if i > 0 {
			b.WriteString(",\n")
		}
		ms := t0.UnixMilli() + int64(i)*100
		fmt.Fprintf(&b, ` {"EventGroupId":1,"EventType":104,"CallbackTs":%d,"EventInfo":{"RoomId":9130,"UserId":"u%d","Reason":2,"EventMsTs":%d}}`, ms, i, ms)
	}
	b.WriteString("\n]\n")
	rep, err := Run(context.Background(), Options{Catalog: cat, Current: absolute, New: absolute}, ReadTimeline(strings.NewReader(b.String()), liveApp))
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Rules[0]; r.Current != 1 || r.Kept != 1 {
		t.Errorf("%+v: want the outage paged once on each side", r)
	}
}

// copyKeys carries every kind of key hook writes, with its TTL.
func TestCopyKeys(t *testing.T) {
	from, to := miniredis.RunT(t), miniredis.RunT(t)
	from.Set("s", "v")
	from.SetTTL("s", time.Minute)
	from.HSet("h", "a", "1", "b", "2")
	from.ZAdd("z", 1772366400123, "m1")
	from.ZAdd("z", 2.5, "m2")
	from.SetAdd("set", "x", "y")
	from.Push("l", "1", "2", "3")
	from.XAdd("st", "1772366400123-0", []string{"n", "page"})
	if err := copyKeys(from, to); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(to.Dump()), fmt.Sprint(from.Dump()); got != want {
		t.Errorf("copy:\n%s\nfrom:\n%s", got, want)
	}
	if to.TTL("s") != time.Minute || to.TTL("h") != 0 {
		t.Errorf("TTLs %v %v", to.TTL("s"), to.TTL("h"))
	}
	if s, _ := to.ZScore("z", "m1"); s != 1772366400123 {
		t.Errorf("score %v", s)
	}
	if e, _ := to.Stream("st"); len(e) != 1 || e[0].ID != "1772366400123-0" {
		t.Errorf("stream %v", e)
	}
}

// A source that fails part way fails the backtest with its own error: no
// report of part of the period.
func TestRunStopsWhenTheRecordFails(t *testing.T) {
	cat := catalogtest.New(t)
	rs := exampleRuleset(t, cat)
	cut := fmt.Errorf("the record stream ended early")
	app := busyApp{seed: 5, n: 3000, start: t0, rate: 116, rooms: 20}
	n := 0
	_, err := Run(context.Background(), Options{Catalog: cat, Current: rs, New: rs}, func(ctx context.Context, fn func(recordEntry) error) error {
		return app.source()(ctx, func(e recordEntry) error {
			if n++; n == 1000 {
				return cut
			}
			return fn(e)
		})
	})
	if err != cut {
		t.Errorf("error %v, want %v", err, cut)
	}
}
