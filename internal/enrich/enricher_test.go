package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/trtcapi"
	"github.com/hookdev/hook/internal/trtcapi/trtcapitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// eventAt is the time of the paged event in these tests; the clock reads two
// minutes later, as when delivery runs shortly after the callback.
var eventAt = time.Date(2026, 3, 10, 12, 0, 30, 0, time.UTC)

const testApp = "1400000001"

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// roomsSeen is RoomCreations backed by a map of "app/room" to creation time.
type roomsSeen struct {
	created map[string]time.Time
	err     error
}

func (r roomsSeen) RoomCreated(_ context.Context, app, room string) (time.Time, bool, error) {
	if r.err != nil {
		return time.Time{}, false, r.err
	}
	t, ok := r.created[app+"/"+room]
	return t, ok, nil
}

type harness struct {
	f       *trtcapitest.Fake
	e       *Enricher
	m       *Metrics
	clock   *testClock
	created time.Time
}

func newHarness(t *testing.T, rooms RoomCreations, opts Options) *harness {
	t.Helper()
	h := &harness{f: trtcapitest.New(t), clock: &testClock{t: eventAt.Add(2 * time.Minute)}, created: eventAt.Add(-20 * time.Minute)}
	h.m = NewMetrics(prometheus.NewRegistry())
	opts.Metrics = h.m
	h.e = New(fakeClient(t, h.f), catalogtest.New(t), rooms, opts, nil, h.clock.now)
	h.f.Handle(trtcapi.ActionDescribeRoomInfo, roomInfoFor(h.created))
	return h
}

// internalRoom is the number TRTC's fake gives every string room in its CommId.
const internalRoom = "880001"

// roomInfoFor answers DescribeRoomInfo with a call of the room asked about,
// created at created: as TRTC does, a numeric room's CommId holds its id, a
// string room's an internal number. The request does not say which kind of
// room it means, so an id that can be either gets both.
func roomInfoFor(created time.Time) trtcapitest.Handler {
	return func(params map[string]any) (map[string]any, *trtcapitest.APIError) {
		room, _ := params["RoomId"].(string)
		call := func(comm string) any {
			return map[string]any{"CommId": comm, "RoomString": room, "CreateTime": created.Unix(), "DestroyTime": 0,
				"IsFinished": false, "UserId": "host"}
		}
		list := []any{call(testApp + "_" + internalRoom + "_" + sec(created))}
		if !(Subject{Room: room}).stringRoom() {
			list = append(list, call(testApp+"_"+room+"_"+sec(created)))
		}
		return map[string]any{"Total": len(list), "RoomList": list}, nil
	}
}

// requests counts the requests of action that reached the fake.
func (h *harness) requests(action string) int { return len(h.f.Calls(action)) }

func (h *harness) outcome(name string) float64 {
	return testutil.ToFloat64(h.m.enrichments.WithLabelValues(name))
}

func sec(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func param(r trtcapitest.Request, name string) string {
	b, _ := json.Marshal(r.Params[name])
	return strings.Trim(string(b), `"`)
}

func ev(id int, at time.Time, p1, p2 int64) map[string]any {
	return map[string]any{"Type": 0, "Time": at.UnixMilli(), "EventId": id, "ParamOne": p1, "ParamTwo": p2}
}

// aliceEvents is what DescribeUserEvent reports around alice dropping out.
func aliceEvents() map[string]any {
	return map[string]any{"Data": []any{
		map[string]any{"PeerId": "alice", "Content": []any{
			ev(32769, eventAt.Add(-60*time.Second), -1, -1),
			ev(4007, eventAt.Add(-30*time.Second), 1280, 720),
			ev(2001, eventAt.Add(-20*time.Second), 1, -1),
			ev(4013, eventAt.Add(-10*time.Second), 12, 1),
			ev(5005, eventAt.Add(-5*time.Second), -1, -1),
			ev(5005, eventAt.Add(-5*time.Second), -1, -1), // reported twice
			ev(3003, eventAt.Add(-50*time.Second), 11, -1),
			ev(6001, eventAt.Add(-55*time.Second), 101, 7),
			ev(9999, eventAt.Add(-40*time.Second), 3, -1),
		}},
		map[string]any{"PeerId": "bob", "Content": []any{
			ev(32792, eventAt.Add(-2*time.Second), -1, -1),
		}},
	}}
}

func checkGolden(t *testing.T, name string, lines []string) {
	t.Helper()
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden (run with -update if intended):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestEnrichUserWithKnownCreation(t *testing.T) {
	created := eventAt.Add(-3 * time.Minute)
	h := newHarness(t, roomsSeen{created: map[string]time.Time{testApp + "/4321": created}}, Options{MaxItems: 6})
	h.f.Handle(trtcapi.ActionDescribeRoomInfo, roomInfoFor(created))
	h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())

	res, err := h.e.Enrich(context.Background(), Subject{Kind: KindUser, App: testApp, Room: "4321", User: "alice", EventTime: eventAt})
	if err != nil {
		t.Fatal(err)
	}
	calls := h.f.Calls("")
	if len(calls) != 2 || calls[0].Action != trtcapi.ActionDescribeRoomInfo || calls[1].Action != trtcapi.ActionDescribeUserEvent {
		t.Fatalf("requests %+v, want DescribeRoomInfo (never a CommId built by hand) then DescribeUserEvent", calls)
	}
	// The creation from callback 101 frames the room lookup: the day before it.
	if got, want := param(calls[0], "EndTime"), sec(created.Add(time.Minute)); got != want {
		t.Errorf("DescribeRoomInfo EndTime %s, want %s (the known creation)", got, want)
	}
	if len(res.Missing) != 0 {
		t.Errorf("Missing %v, want none", res.Missing)
	}
	q := calls[1]
	wantCommID := testApp + "_4321_" + sec(created)
	for name, want := range map[string]string{
		"CommId": wantCommID, "SdkAppId": testApp, "RoomId": "4321", "UserId": "alice",
		// The window starts at the room's creation (less than Before ago) and ends After the event.
		"StartTime": sec(created), "EndTime": sec(eventAt.Add(time.Minute)),
	} {
		if got := param(q, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if res.CommID != wantCommID || res.Kind != KindUser || res.Cached {
		t.Errorf("enrichment header %+v", res)
	}
	var texts []string
	for _, e := range res.Events {
		texts = append(texts, e.Text)
	}
	want := []string{
		// Errors, nearest the drop first; then warnings; then context.
		"32792 Media transmission channel has disconnected",
		"5005 Connection to CVM timed out",
		"4013 (Hardware) decoding failed (Number of frames failed to be decoded (3s) 12)",
		"2001 The application has been switched to run in the background",
		"9999 unknown sdk event [parameters 3, -1 not documented]",
		"4007 The user switched video resolution (Resolution width 1280, Resolution height 720)",
	}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n got %q\nwant %q", texts, want)
	}
	if res.EventsOmitted != 3 {
		t.Errorf("EventsOmitted = %d, want 3 (9 distinct events, 6 kept)", res.EventsOmitted)
	}
	if res.Events[0].PeerID != "bob" || res.Events[1].PeerID != "alice" {
		t.Errorf("peers %q, %q: want bob's event marked as his", res.Events[0].PeerID, res.Events[1].PeerID)
	}
	checkGolden(t, "user", res.Lines())
	if h.outcome(OutcomeOK) != 1 {
		t.Errorf("hook_enrichment_total{outcome=ok} = %v, want 1", h.outcome(OutcomeOK))
	}
	if n := testutil.ToFloat64(h.m.requests.WithLabelValues(trtcapi.ActionDescribeUserEvent, "ok")); n != 1 {
		t.Errorf("api requests ok = %v, want 1", n)
	}
}

func TestEnrichUserFindsTheCallWithDescribeRoomInfo(t *testing.T) {
	calls := func(rooms ...map[string]any) map[string]any {
		list := make([]any, len(rooms))
		for i, r := range rooms {
			list[i] = r
		}
		return map[string]any{"Total": len(rooms), "RoomList": list}
	}
	call := func(comm, room string, created, destroyed time.Time) map[string]any {
		var d int64
		if !destroyed.IsZero() {
			d = destroyed.Unix()
		}
		return map[string]any{"CommId": comm, "RoomString": room, "CreateTime": created.Unix(), "DestroyTime": d,
			"IsFinished": d != 0, "UserId": "host"}
	}
	earlier, current, later := eventAt.Add(-3*time.Hour), eventAt.Add(-time.Hour), eventAt.Add(10*time.Minute)
	lobby := calls(
		call(testApp+"_99887766_"+sec(earlier), "lobby-7", earlier, earlier.Add(time.Hour)),
		call(testApp+"_99887766_"+sec(current), "lobby-7", current, time.Time{}),
		call(testApp+"_99887766_"+sec(later), "lobby-7", later, time.Time{}),
		call(testApp+"_11_"+sec(current), "lobby-8", current.Add(time.Minute), time.Time{}),
	)
	tests := []struct {
		name       string
		room       string
		rooms      RoomCreations
		answer     map[string]any
		wantCommID string // "" : skipped
		wantEnd    time.Time
	}{
		{"string room: the call live at the event", "lobby-7", nil, lobby,
			testApp + "_99887766_" + sec(current), eventAt.Add(time.Minute)},
		{"string room with known creation: that call, though it had ended", "lobby-7",
			roomsSeen{created: map[string]time.Time{testApp + "/lobby-7": earlier.Add(2 * time.Second)}}, lobby,
			testApp + "_99887766_" + sec(earlier), earlier.Add(2*time.Second + time.Minute)},
		{"numeric room, creation lookup failing", "3501", roomsSeen{err: errors.New("redis down")},
			calls(call(testApp+"_3501_"+sec(current), "3501", current, time.Time{})),
			testApp + "_3501_" + sec(current), eventAt.Add(time.Minute)},
		{"numeric room created again after the event: that creation is not the event's", "3501",
			roomsSeen{created: map[string]time.Time{testApp + "/3501": later}},
			calls(call(testApp+"_3501_"+sec(current), "3501", current, later.Add(-time.Second)), call(testApp+"_3501_"+sec(later), "3501", later, time.Time{})),
			testApp + "_3501_" + sec(current), eventAt.Add(time.Minute)},
		{"numeric room with a leading zero is a string room", "03501",
			roomsSeen{created: map[string]time.Time{testApp + "/03501": current}},
			calls(call(testApp+"_77_"+sec(current), "03501", current, time.Time{})),
			testApp + "_77_" + sec(current), current.Add(time.Minute)},
		{"no call before the event", "lobby-7", nil, calls(call(testApp+"_99887766_"+sec(later), "lobby-7", later, time.Time{})),
			"", eventAt.Add(time.Minute)},
		{"no data", "lobby-9", nil, calls(), "", eventAt.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.rooms, Options{})
			h.f.Reply(trtcapi.ActionDescribeRoomInfo, tt.answer)
			h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
			s := Subject{Kind: KindUser, App: testApp, Room: tt.room, User: "alice", EventTime: eventAt}
			res, err := h.e.Enrich(context.Background(), s)

			info := h.f.Calls(trtcapi.ActionDescribeRoomInfo)
			if len(info) != 1 {
				t.Fatalf("%d DescribeRoomInfo requests, want 1", len(info))
			}
			if got, want := param(info[0], "EndTime"), sec(tt.wantEnd); got != want {
				t.Errorf("DescribeRoomInfo EndTime %s, want %s", got, want)
			}
			if got, want := param(info[0], "StartTime"), sec(tt.wantEnd.Add(-24*time.Hour)); got != want {
				t.Errorf("DescribeRoomInfo StartTime %s, want %s (24 hours, the API's limit)", got, want)
			}
			if param(info[0], "RoomId") != tt.room {
				t.Errorf("DescribeRoomInfo RoomId %s, want %s", param(info[0], "RoomId"), tt.room)
			}
			user := h.f.Calls(trtcapi.ActionDescribeUserEvent)
			if tt.wantCommID == "" {
				if !errors.Is(err, trtcapi.ErrSkipped) || len(user) != 0 || h.outcome(OutcomeSkipped) != 1 {
					t.Errorf("err = %v, %d user event requests, skipped = %v: want skipped without asking for events",
						err, len(user), h.outcome(OutcomeSkipped))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(user) != 1 || param(user[0], "CommId") != tt.wantCommID || res.CommID != tt.wantCommID {
				t.Fatalf("DescribeUserEvent requests %+v, want one for CommId %s", user, tt.wantCommID)
			}
			// A page a minute later about the same room reuses the call found.
			later := s
			later.EventTime = eventAt.Add(time.Minute)
			if _, err := h.e.Enrich(context.Background(), later); err != nil {
				t.Fatal(err)
			}
			if n := len(h.f.Calls(trtcapi.ActionDescribeRoomInfo)); n != 1 {
				t.Errorf("%d DescribeRoomInfo requests after a second page, want the call cached", n)
			}
		})
	}
}

func TestEnrichRoomDecodesExperiences(t *testing.T) {
	exp := func(user string, id int, at time.Time, causes ...any) map[string]any {
		list := make([]any, 0, len(causes)/2)
		for i := 0; i < len(causes); i += 2 {
			list = append(list, map[string]any{"AbnormalEventId": causes[i], "PeerId": causes[i+1]})
		}
		return map[string]any{"UserId": user, "RoomId": "4321", "ExperienceId": id, "EventTime": at.Unix(), "AbnormalEventList": list}
	}
	answer := map[string]any{"Total": 6, "AbnormalExperienceList": []any{
		exp("bob", 4, eventAt.Add(-4*time.Minute), 2011, "", 2012, "carol"),
		exp("bob", 4, eventAt.Add(-3*time.Minute), 2012, "carol", 2011, ""), // the same, a minute later
		exp("bob", 5, eventAt.Add(-4*time.Minute), 2014, ""),
		exp("alice", 1, eventAt.Add(-5*time.Minute), 2003, "", 1013, ""),
		exp("carol", 9, eventAt.Add(-2*time.Minute), 1099, ""),
		exp("dave", 2, eventAt.Add(-1*time.Minute)),
	}}
	created := eventAt.Add(-20 * time.Minute)
	tests := []struct {
		name      string
		subject   Subject
		wantStart time.Time
		golden    string
	}{
		{"dismissed room", Subject{Kind: KindRoom, App: testApp, Room: "4321", EventTime: eventAt, RoomDismissed: true, RoomCreated: created},
			created, "room_dismissed"},
		{"live room, bob's page", Subject{Kind: KindRoom, App: testApp, Room: "4321", User: "bob", EventTime: eventAt},
			eventAt.Add(time.Minute - time.Hour), "room_live"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, Options{MaxItems: 4})
			h.f.Reply(trtcapi.ActionDescribeUnusualEvent, answer)
			res, err := h.e.Enrich(context.Background(), tt.subject)
			if err != nil {
				t.Fatal(err)
			}
			q := h.f.Calls(trtcapi.ActionDescribeUnusualEvent)
			if len(q) != 1 || h.requests(trtcapi.ActionDescribeRoomInfo) != 1 || len(h.f.Calls("")) != 2 {
				t.Fatalf("requests %+v, want one DescribeRoomInfo (for the CommId) and one DescribeUnusualEvent", h.f.Calls(""))
			}
			if want := testApp + "_4321_" + sec(h.created); res.CommID != want {
				t.Errorf("CommID %q, want %q", res.CommID, want)
			}
			if param(q[0], "StartTime") != sec(tt.wantStart) || param(q[0], "EndTime") != sec(eventAt.Add(time.Minute)) ||
				param(q[0], "RoomId") != "4321" {
				t.Errorf("asked for %v, want room 4321 from %s to %s", q[0].Params, sec(tt.wantStart), sec(eventAt.Add(time.Minute)))
			}
			if res.DismissalPending == tt.subject.RoomDismissed {
				t.Errorf("DismissalPending = %v for RoomDismissed = %v", res.DismissalPending, tt.subject.RoomDismissed)
			}
			if res.ExperiencesOmitted != 1 {
				t.Errorf("ExperiencesOmitted = %d, want 1 (5 distinct, 4 kept)", res.ExperiencesOmitted)
			}
			checkGolden(t, tt.golden, res.Lines())
		})
	}
}

func TestEnrichCachesAnswers(t *testing.T) {
	h := newHarness(t, nil, Options{CacheTTL: time.Minute})
	h.f.Reply(trtcapi.ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
	base := Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}
	steps := []struct {
		name     string
		subject  func(Subject) Subject
		advance  time.Duration
		requests int // DescribeUnusualEvent requests so far
		cached   bool
	}{
		{"first page", func(s Subject) Subject { return s }, 0, 1, false},
		{"same subject again", func(s Subject) Subject { return s }, 0, 1, true},
		{"same minute of the event", func(s Subject) Subject { s.EventTime = s.EventTime.Add(20 * time.Second); return s }, 0, 1, true},
		{"next minute", func(s Subject) Subject { s.EventTime = s.EventTime.Add(time.Minute); return s }, 0, 2, false},
		{"room dismissed since", func(s Subject) Subject { s.RoomDismissed = true; return s }, 0, 3, false},
		{"other room", func(s Subject) Subject { s.Room = "462"; return s }, 0, 4, false},
		{"after the TTL", func(s Subject) Subject { return s }, time.Minute, 5, false},
	}
	for _, st := range steps {
		h.clock.advance(st.advance)
		res, err := h.e.Enrich(context.Background(), st.subject(base))
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if n := len(h.f.Calls(trtcapi.ActionDescribeUnusualEvent)); n != st.requests || res.Cached != st.cached {
			t.Errorf("%s: %d requests, cached %v; want %d, %v", st.name, n, res.Cached, st.requests, st.cached)
		}
		// Changing what Enrich returned must not change what the cache holds.
		res.Experiences[0].Causes[0].Text = "scribbled"
		res.Experiences[0].Text = "scribbled"
	}
	again, _ := h.e.Enrich(context.Background(), base)
	if !again.Cached || again.Experiences[0].Text == "scribbled" || again.Experiences[0].Causes[0].Text == "scribbled" {
		t.Errorf("cache served a caller's changes: %+v", again.Experiences[0])
	}
	if h.outcome(OutcomeOK) != float64(len(steps)+1) {
		t.Errorf("ok outcomes %v, want %d (cache hits count)", h.outcome(OutcomeOK), len(steps)+1)
	}
}

func TestTTLCacheIsBounded(t *testing.T) {
	clock := &testClock{t: eventAt}
	c := newTTLCache[int](2, time.Minute, clock.now)
	c.put("a", 1)
	c.put("b", 2)
	if _, ok := c.get("a"); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.put("c", 3) // evicts b
	if _, ok := c.get("b"); ok {
		t.Error("b survived past the bound")
	}
	if v, ok := c.get("a"); !ok || v != 1 {
		t.Error("a, recently used, was evicted")
	}
	if c.len() != 2 {
		t.Errorf("%d entries, want 2", c.len())
	}
	clock.advance(time.Minute)
	if _, ok := c.get("c"); ok {
		t.Error("c served after its TTL")
	}
	if c.len() != 1 {
		t.Errorf("%d entries after an expired get, want 1", c.len())
	}
	off := newTTLCache[int](2, -1, clock.now)
	off.put("a", 1)
	if _, ok := off.get("a"); ok {
		t.Error("a cache with a negative TTL stored something")
	}
}

func TestEnrichStaysWithinTheBudget(t *testing.T) {
	h := newHarness(t, nil, Options{Budget: 50 * time.Millisecond})
	h.f.HangAll()
	res, err := h.e.Enrich(context.Background(), Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, trtcapi.ErrTimeout) {
		t.Errorf("err = %v, want trtcapi.ErrTimeout wrapping context.DeadlineExceeded", err)
	}
	if !res.Empty() || h.outcome(OutcomeTimeout) != 1 {
		t.Errorf("res %+v, timeouts %v: want nothing, counted", res, h.outcome(OutcomeTimeout))
	}
	if n := testutil.CollectAndCount(h.m.duration); n != 1 {
		t.Errorf("duration histogram has %d series, want 1", n)
	}

	// A caller's context that is already over stops Enrich before any request.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.f.Reply(trtcapi.ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
	_, err = h.e.Enrich(ctx, Subject{Kind: KindRoom, App: testApp, Room: "462", EventTime: eventAt})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, trtcapi.ErrTimeout) {
		t.Errorf("cancelled caller: err = %v, want trtcapi.ErrTimeout wrapping context.Canceled", err)
	}
}

func TestEnrichRateLimits(t *testing.T) {
	room := func(n int) Subject {
		return Subject{Kind: KindRoom, App: testApp, Room: strconv.Itoa(n), EventTime: eventAt}
	}
	t.Run("hook's limiter", func(t *testing.T) {
		// One token and practically no refill: the second request cannot happen
		// within any budget, so Enrich says so at once instead of waiting.
		h := newHarness(t, nil, Options{Rate: 1e-9, Burst: 1})
		h.f.Reply(trtcapi.ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
		if _, err := h.e.Enrich(context.Background(), room(1)); err != nil {
			t.Fatal(err)
		}
		_, err := h.e.Enrich(context.Background(), room(2))
		if !errors.Is(err, trtcapi.ErrRateLimited) {
			t.Errorf("err = %v, want trtcapi.ErrRateLimited", err)
		}
		if n := h.requests(trtcapi.ActionDescribeUnusualEvent); n != 1 || h.outcome(OutcomeRateLimited) != 1 {
			t.Errorf("%d requests sent, rate_limited = %v; want 1 and 1", n, h.outcome(OutcomeRateLimited))
		}
		// Cached answers need no token.
		if res, err := h.e.Enrich(context.Background(), room(1)); err != nil || !res.Cached {
			t.Errorf("cached answer refused: %v", err)
		}
	})
	t.Run("TRTC's RequestLimitExceeded", func(t *testing.T) {
		h := newHarness(t, nil, Options{Cooldown: 2 * time.Second})
		h.f.Fail(trtcapi.ActionDescribeUnusualEvent, "RequestLimitExceeded", "Your current request times equals to `21` in a second, which exceeds the frequency limit `20` for a second.")
		_, err := h.e.Enrich(context.Background(), room(1))
		var e *trtcapi.Error
		if !errors.Is(err, trtcapi.ErrRateLimited) || !errors.As(err, &e) || e.Code != "RequestLimitExceeded" {
			t.Fatalf("err = %v, want RequestLimitExceeded as trtcapi.ErrRateLimited", err)
		}
		h.f.Reply(trtcapi.ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
		// During the cool-down nothing is sent.
		if _, err := h.e.Enrich(context.Background(), room(2)); !errors.Is(err, trtcapi.ErrRateLimited) {
			t.Errorf("during the cool-down: err = %v, want trtcapi.ErrRateLimited", err)
		}
		if n := h.requests(trtcapi.ActionDescribeUnusualEvent); n != 1 || h.requests(trtcapi.ActionDescribeRoomInfo) != 1 {
			t.Errorf("%d requests sent during the cool-down, want only the first page's", len(h.f.Calls("")))
		}
		h.clock.advance(2 * time.Second)
		if _, err := h.e.Enrich(context.Background(), room(2)); err != nil {
			t.Errorf("after the cool-down: %v", err)
		}
		if h.outcome(OutcomeRateLimited) != 2 || h.outcome(OutcomeOK) != 1 {
			t.Errorf("rate_limited %v, ok %v; want 2, 1", h.outcome(OutcomeRateLimited), h.outcome(OutcomeOK))
		}
		if n := testutil.ToFloat64(h.m.requests.WithLabelValues(trtcapi.ActionDescribeUnusualEvent, "rate_limited")); n != 1 {
			t.Errorf("api requests rate_limited = %v, want 1", n)
		}
	})
}

func TestEnrichOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		code     string // DescribeUnusualEvent's error, "" for the example answer
		answer   map[string]any
		subject  Subject
		wantErr  error
		outcome  string
		requests int
	}{
		{"data", "", trtcapitest.UnusualEventExample(), Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}, nil, OutcomeOK, 1},
		{"nothing reported", "", map[string]any{"Total": 0, "AbnormalExperienceList": []any{}},
			Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}, nil, OutcomeEmpty, 1},
		{"ResourceNotFound is no data", "ResourceNotFound", nil,
			Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}, nil, OutcomeEmpty, 1},
		{"auth failure", "AuthFailure.UnauthorizedOperation", nil,
			Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}, trtcapi.ErrAuth, OutcomeError, 1},
		{"other API error", "InternalError", nil,
			Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}, nil, OutcomeError, 1},
		{"older than TRTC keeps", "", trtcapitest.UnusualEventExample(),
			Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt.Add(-15 * 24 * time.Hour)}, trtcapi.ErrSkipped, OutcomeSkipped, 0},
		{"no kind", "", nil, Subject{App: testApp, Room: "461", EventTime: eventAt}, trtcapi.ErrInvalid, OutcomeError, 0},
		{"app not a number", "", nil, Subject{Kind: KindRoom, App: "app", Room: "461", EventTime: eventAt}, trtcapi.ErrInvalid, OutcomeError, 0},
		{"no room", "", nil, Subject{Kind: KindRoom, App: testApp, EventTime: eventAt}, trtcapi.ErrInvalid, OutcomeError, 0},
		{"user page without user", "", nil, Subject{Kind: KindUser, App: testApp, Room: "461", EventTime: eventAt}, trtcapi.ErrInvalid, OutcomeError, 0},
		{"no event time", "", nil, Subject{Kind: KindRoom, App: testApp, Room: "461"}, trtcapi.ErrInvalid, OutcomeError, 0},
		{"oversized user", "", nil, Subject{Kind: KindUser, App: testApp, Room: "461", User: strings.Repeat("u", 300), EventTime: eventAt},
			trtcapi.ErrInvalid, OutcomeError, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, Options{})
			if tt.code != "" {
				h.f.Fail(trtcapi.ActionDescribeUnusualEvent, tt.code, "no")
			} else if tt.answer != nil {
				h.f.Reply(trtcapi.ActionDescribeUnusualEvent, tt.answer)
			}
			res, err := h.e.Enrich(context.Background(), tt.subject)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && tt.outcome != OutcomeError && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.outcome == OutcomeError && err == nil:
				t.Error("no error")
			}
			if err != nil && !res.Empty() {
				t.Errorf("an error came with items: %+v", res)
			}
			if h.outcome(tt.outcome) != 1 {
				t.Errorf("hook_enrichment_total{outcome=%s} = %v, want 1", tt.outcome, h.outcome(tt.outcome))
			}
			if n := h.requests(trtcapi.ActionDescribeUnusualEvent); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestEnrichDoesNotKeepEmptyAnswers(t *testing.T) {
	h := newHarness(t, nil, Options{})
	h.f.Reply(trtcapi.ActionDescribeUnusualEvent, map[string]any{"Total": 0, "AbnormalExperienceList": []any{}})
	s := Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}
	for i := range 2 {
		res, err := h.e.Enrich(context.Background(), s)
		if err != nil || !res.Empty() || res.Cached {
			t.Fatalf("attempt %d: %+v, %v", i, res, err)
		}
	}
	// TRTC's data arrives late: the follow-up asks again, and finds it.
	h.f.Reply(trtcapi.ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
	res, err := h.e.Enrich(context.Background(), s)
	if err != nil || res.Empty() {
		t.Fatalf("follow-up: %+v, %v", res, err)
	}
	if n := h.requests(trtcapi.ActionDescribeUnusualEvent); n != 3 {
		t.Errorf("%d requests, want 3 (empty answers are not cached)", n)
	}
	if h.outcome(OutcomeEmpty) != 2 || h.outcome(OutcomeOK) != 1 {
		t.Errorf("empty %v, ok %v; want 2, 1", h.outcome(OutcomeEmpty), h.outcome(OutcomeOK))
	}
}

// fakeClient is a TRTC API client of the fake f.
func fakeClient(t *testing.T, f *trtcapitest.Fake) *trtcapi.Client {
	t.Helper()
	c, err := trtcapi.NewClient(trtcapi.Config{SecretID: trtcapitest.SecretID, SecretKey: trtcapitest.SecretKey, Region: "ap-singapore", Endpoint: f.URL()})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}
