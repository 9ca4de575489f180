package enrich

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
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

// members is Members backed by a map of "app/roomKey/user"; every lookup is
// trtcapitest.Request.
type members struct {
	mu    sync.Mutex
	known map[string]Member
	err   error
	asked []string
}

func (m *members) Member(_ context.Context, app, roomKey, user string) (Member, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := app + "/" + roomKey + "/" + user
	m.asked = append(m.asked, key)
	if m.err != nil {
		return Member{}, false, m.err
	}
	mb, ok := m.known[key]
	return mb, ok, nil
}

func (h *harness) missing(data, reason string) float64 {
	return testutil.ToFloat64(h.m.gaps.WithLabelValues(data, reason))
}

// TestEnrichFindsTheCallOfTheRightKind is the string room whose id is all
// digits: TRTC's DescribeRoomInfo answers both it and the numeric room of the
// same digits; each page takes its own room's call, never one made by hand.
func TestEnrichFindsTheCallOfTheRightKind(t *testing.T) {
	created := eventAt.Add(-10 * time.Minute)
	numeric := testApp + "_12345_" + sec(created)
	str := testApp + "_" + internalRoom + "_" + sec(created.Add(time.Minute))
	both := map[string]any{"Total": 2, "RoomList": []any{
		map[string]any{"CommId": numeric, "RoomString": "12345", "CreateTime": created.Unix(), "UserId": "a"},
		map[string]any{"CommId": str, "RoomString": "12345", "CreateTime": created.Add(time.Minute).Unix(), "UserId": "b"},
	}}
	onlyNumeric := map[string]any{"Total": 1, "RoomList": []any{
		map[string]any{"CommId": numeric, "RoomString": "12345", "CreateTime": created.Unix(), "UserId": "a"},
	}}
	tests := []struct {
		name    string
		roomKey string
		rooms   RoomCreations
		answer  map[string]any
		want    string // "" : no call, no data
	}{
		{"string room, all digits", "s:12345", nil, both, str},
		{"string room, its creation seen by key", "s:12345",
			roomsSeen{created: map[string]time.Time{testApp + "/s:12345": created.Add(time.Minute)}}, both, str},
		{"numeric room of the same digits", "12345", nil, both, numeric},
		{"numeric room, its creation seen by key", "12345",
			roomsSeen{created: map[string]time.Time{testApp + "/12345": created}}, both, numeric},
		{"string room whose only call is the numeric room's", "s:12345", nil, onlyNumeric, ""},
	}
	for _, kind := range []Kind{KindUser, KindRoom} {
		for _, tt := range tests {
			t.Run(string(kind)+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, tt.rooms, Options{})
				h.f.Reply(trtcapi.ActionDescribeRoomInfo, tt.answer)
				h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
				h.f.Reply(trtcapi.ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
				s := Subject{Kind: kind, App: testApp, Room: "12345", RoomKey: tt.roomKey, User: "alice", EventTime: eventAt}
				res, _ := h.e.Enrich(context.Background(), s)
				if res.CommID != tt.want {
					t.Errorf("CommID %q, want %q", res.CommID, tt.want)
				}
				info := h.f.Calls(trtcapi.ActionDescribeRoomInfo)
				if len(info) != 1 || param(info[0], "RoomId") != "12345" {
					t.Fatalf("DescribeRoomInfo requests %+v, want one for RoomId 12345", info)
				}
				user := h.f.Calls(trtcapi.ActionDescribeUserEvent)
				switch {
				case kind == KindRoom && tt.want == "":
					if !reflect.DeepEqual(res.Missing, []Missing{{DataRoom, ReasonNoData}}) {
						t.Errorf("Missing %v, want the room's call missing, no data", res.Missing)
					}
				case kind == KindRoom:
				case tt.want == "":
					if len(user) != 0 || !reflect.DeepEqual(res.Missing, []Missing{{DataCallQuality, ReasonNoData}}) {
						t.Errorf("%d DescribeUserEvent, Missing %v: want none asked, call quality missing with no data", len(user), res.Missing)
					}
				case len(user) != 1 || param(user[0], "CommId") != tt.want:
					t.Errorf("DescribeUserEvent %+v, want one for CommId %s", user, tt.want)
				}
			})
		}
	}
}

// TestEnrichIsNeverSilent: whatever fails, the enrichment says what is
// missing and why, and the metric counts it.
func TestEnrichIsNeverSilent(t *testing.T) {
	type setup func(h *harness, action string)
	fail := func(code string) setup {
		return func(h *harness, action string) { h.f.Fail(action, code, "no") }
	}
	tests := []struct {
		name   string
		setup  setup
		opts   Options
		reason string
	}{
		{"auth failure", fail("AuthFailure.SignatureFailure"), Options{}, "AuthFailure"},
		{"unauthorized", fail("UnauthorizedOperation.SdkAppId"), Options{}, "UnauthorizedOperation"},
		{"TRTC throttles", fail("RequestLimitExceeded"), Options{}, "RequestLimitExceeded"},
		{"an undocumented code", fail("NoSuchThing.AtAll"), Options{}, ReasonError},
		{"internal error", fail("InternalError"), Options{}, "InternalError"},
		{"not found", fail("ResourceNotFound"), Options{}, ReasonNoData},
		{"no data", func(h *harness, action string) {
			h.f.Reply(action, map[string]any{"Data": []any{}, "Total": 0, "AbnormalExperienceList": []any{}})
		}, Options{}, ReasonNoData},
		{"timeout", func(h *harness, action string) {
			h.f.Handle(action, func(map[string]any) (map[string]any, *trtcapitest.APIError) {
				time.Sleep(200 * time.Millisecond)
				return nil, nil
			})
		}, Options{Budget: 50 * time.Millisecond}, ReasonTimeout},
	}
	for _, kind := range []Kind{KindUser, KindRoom} {
		action := trtcapi.ActionDescribeUserEvent
		if kind == KindRoom {
			action = trtcapi.ActionDescribeUnusualEvent
		}
		for _, tt := range tests {
			t.Run(string(kind)+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, nil, tt.opts)
				tt.setup(h, action)
				res, _ := h.e.Enrich(context.Background(), Subject{Kind: kind, App: testApp, Room: "4321", User: "alice", EventTime: eventAt})
				want := []Missing{{DataCallQuality, tt.reason}}
				if !reflect.DeepEqual(res.Missing, want) {
					t.Errorf("Missing %v, want %v", res.Missing, want)
				}
				if res.CommID == "" {
					t.Error("the CommId, found, was lost with the failure")
				}
				if n := h.missing(DataCallQuality, tt.reason); n != 1 {
					t.Errorf("hook_enrichment_missing_total{data=call_quality,reason=%s} = %v, want 1", tt.reason, n)
				}
			})
		}
	}

	t.Run("network down", func(t *testing.T) {
		h := newHarness(t, nil, Options{})
		h.f.Close() // nothing listens any more: connection refused
		for _, kind := range []Kind{KindUser, KindRoom} {
			res, err := h.e.Enrich(context.Background(), Subject{Kind: kind, App: testApp, Room: "4321", User: "alice", EventTime: eventAt})
			want := []Missing{{DataCallQuality, ReasonUnreachable}}
			if kind == KindRoom {
				want = []Missing{{DataRoom, ReasonUnreachable}, {DataCallQuality, ReasonUnreachable}}
			}
			if err == nil || !reflect.DeepEqual(res.Missing, want) {
				t.Errorf("%s: err %v, Missing %v; want an error and %v", kind, err, res.Missing, want)
			}
		}
	})

	t.Run("hook's own limit", func(t *testing.T) {
		h := newHarness(t, nil, Options{Rate: 1e-9, Burst: 1})
		h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
		s := Subject{Kind: KindUser, App: testApp, Room: "4321", User: "alice", EventTime: eventAt}
		if res, err := h.e.Enrich(context.Background(), s); err != nil || len(res.Missing) != 0 {
			t.Fatalf("first page: %v, Missing %v", err, res.Missing)
		}
		s.Room = "4322"
		res, _ := h.e.Enrich(context.Background(), s)
		if want := []Missing{{DataCallQuality, ReasonThrottled}}; !reflect.DeepEqual(res.Missing, want) {
			t.Errorf("Missing %v, want %v", res.Missing, want)
		}
	})
}

func TestMissingIsLoggedAtWarnRateLimited(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := trtcapitest.New(t)
	f.Handle(trtcapi.ActionDescribeRoomInfo, roomInfoFor(eventAt.Add(-time.Hour)))
	f.Fail(trtcapi.ActionDescribeUnusualEvent, "AuthFailure.SecretIdNotFound", "no such key")
	clock := &testClock{t: eventAt.Add(time.Minute)}
	m := NewMetrics(prometheus.NewRegistry())
	e := New(fakeClient(t, f), catalogtest.New(t), nil, Options{Metrics: m}, log, clock.now)
	page := func(n int) {
		for range n {
			_, _ = e.Enrich(context.Background(), Subject{Kind: KindRoom, App: testApp, Room: "4321", EventTime: eventAt})
		}
	}
	lines := func() []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if strings.Contains(l, "page enrichment incomplete") {
				out = append(out, l)
			}
		}
		return out
	}
	page(10)
	got := lines()
	if len(got) != gapLogBurst {
		t.Fatalf("%d lines for 10 failures at once, want %d:\n%s", len(got), gapLogBurst, buf.String())
	}
	for _, l := range got {
		if !strings.Contains(l, "level=WARN") || !strings.Contains(l, "reason=AuthFailure") ||
			!strings.Contains(l, "data=call_quality") || !strings.Contains(l, "AuthFailure.SecretIdNotFound") {
			t.Errorf("line %q: want a warning naming the data, the reason and TRTC's code", l)
		}
	}
	clock.advance(gapLogEvery)
	page(1)
	got = lines()
	if len(got) != gapLogBurst+1 || !strings.Contains(got[gapLogBurst], "suppressed=7") {
		t.Errorf("after %s: lines %q, want one more saying 7 were held back", gapLogEvery, got)
	}
	if n := testutil.ToFloat64(m.gaps.WithLabelValues(DataCallQuality, "AuthFailure")); n != 11 {
		t.Errorf("counted %v, want every one of the 11", n)
	}
}

func TestEnrichTellsTheClientFromTheRoomEntry(t *testing.T) {
	known := map[string]Member{
		testApp + "/s:12345/alice": {User: "alice", Role: 20, Terminal: 2, UserType: 3, Entered: eventAt.Add(-time.Hour)},
		testApp + "/s:12345/bob":   {User: "bob", Role: 21, Terminal: 77, UserType: -1},
		// hook saw dave leave, not enter: his exit is all it has.
		testApp + "/s:12345/dave": {User: "dave", Role: 21, Terminal: -1, UserType: -1, Left: eventAt},
	}
	tests := []struct {
		name    string
		members *members
		user    string
		want    *ClientInfo
		missing []Missing
	}{
		{"entry known", &members{known: known}, "alice", &ClientInfo{Terminal: "Android", UserType: "Native SDK"}, nil},
		{"undocumented terminal, no user type", &members{known: known}, "bob", &ClientInfo{Terminal: "unknown terminal 77"}, nil},
		{"entry not known", &members{known: known}, "carol", nil, []Missing{{DataClient, ReasonNoData}}},
		{"exit known, entry not", &members{known: known}, "dave", nil, []Missing{{DataClient, ReasonNoData}}},
		{"store down", &members{err: errors.New("dial tcp: connection refused")}, "alice", nil, []Missing{{DataClient, ReasonUnreachable}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, Options{Members: tt.members})
			h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
			res, err := h.e.Enrich(context.Background(), Subject{Kind: KindUser, App: testApp, Room: "12345", RoomKey: "s:12345", User: tt.user, EventTime: eventAt})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Client, tt.want) || !reflect.DeepEqual(res.Missing, tt.missing) {
				t.Errorf("Client %+v, Missing %v; want %+v, %v", res.Client, res.Missing, tt.want, tt.missing)
			}
			if want := []string{testApp + "/s:12345/" + tt.user}; !reflect.DeepEqual(tt.members.asked, want) {
				t.Errorf("asked %v, want %v (by room key)", tt.members.asked, want)
			}
		})
	}
	t.Run("room pages and no Members", func(t *testing.T) {
		m := &members{known: known}
		h := newHarness(t, nil, Options{Members: m})
		h.f.Reply(trtcapi.ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
		res, _ := h.e.Enrich(context.Background(), Subject{Kind: KindRoom, App: testApp, Room: "12345", RoomKey: "s:12345", User: "alice", EventTime: eventAt})
		if res.Client != nil || len(m.asked) != 0 {
			t.Errorf("a room page asked for a user's entry: %+v, %v", res.Client, m.asked)
		}
		h = newHarness(t, nil, Options{})
		h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
		res, _ = h.e.Enrich(context.Background(), Subject{Kind: KindUser, App: testApp, Room: "4321", User: "alice", EventTime: eventAt})
		if res.Client != nil || len(res.Missing) != 0 {
			t.Errorf("without Members: Client %+v, Missing %v; want neither", res.Client, res.Missing)
		}
	})
}

func TestFollowUpAsksForTheCallDetails(t *testing.T) {
	detail := map[string]any{"Total": 1,
		"UserList": []any{
			map[string]any{"UserId": "alice", "JoinTs": eventAt.Add(-3 * time.Hour).Unix(), "LeaveTs": eventAt.Add(-2 * time.Hour).Unix(),
				"DeviceType": "iOS", "SdkVersion": "9.0", "Finished": true},
			map[string]any{"UserId": "alice", "JoinTs": eventAt.Add(-5 * time.Minute).Unix(), "LeaveTs": eventAt.Unix(),
				"DeviceType": "Android", "SdkVersion": "11.5.0.0", "ClientIp": "203.0.113.7", "Finished": true},
		},
		"Data": []any{
			map[string]any{"UserId": "alice", "PeerId": "", "DataType": "rtt",
				"Content": []any{map[string]any{"Time": eventAt.Add(-time.Minute).Unix(), "Value": 120}, map[string]any{"Time": eventAt.Unix(), "Value": 850}}},
			map[string]any{"UserId": "alice", "PeerId": "bob", "DataType": "aLoss",
				"Content": []any{map[string]any{"Time": eventAt.Unix(), "Value": 35.25}}},
			map[string]any{"UserId": "alice", "PeerId": "", "DataType": "bigvLoss", "Content": []any{}},
		}}
	s := Subject{Kind: KindUser, App: testApp, Room: "4321", User: "alice", EventTime: eventAt, FollowUp: true}

	t.Run("details", func(t *testing.T) {
		h := newHarness(t, nil, Options{Members: &members{known: map[string]Member{testApp + "/4321/alice": {Terminal: 2, UserType: 3}}}})
		h.clock.advance(5 * time.Minute)
		h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
		h.f.Reply(trtcapi.ActionDescribeCallDetailInfo, detail)
		res, err := h.e.Enrich(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		want := &ClientInfo{Terminal: "Android", UserType: "Native SDK", SDKVersion: "11.5.0.0", Device: "Android",
			Network: "rtt max 850 ms, audio loss max 35.3%"}
		if !reflect.DeepEqual(res.Client, want) || len(res.Missing) != 0 {
			t.Errorf("Client %+v, Missing %v; want %+v", res.Client, res.Missing, want)
		}
		q := h.f.Calls(trtcapi.ActionDescribeCallDetailInfo)
		if len(q) != 1 {
			t.Fatalf("%d DescribeCallDetailInfo requests, want 1", len(q))
		}
		for name, want := range map[string]string{
			"CommId": testApp + "_4321_" + sec(h.created), "SdkAppId": testApp, `UserIds`: `["alice"]`,
			"DataType": `["rtt","aLoss","bigvLoss"]`, "StartTime": sec(eventAt.Add(-10 * time.Minute)), "EndTime": sec(eventAt.Add(time.Minute)),
		} {
			got := param(q[0], name)
			if strings.HasPrefix(want, "[") {
				got = strings.ReplaceAll(got, `\"`, `"`)
			}
			if got != want {
				t.Errorf("%s = %s, want %s", name, got, want)
			}
		}
	})
	t.Run("a page does not ask", func(t *testing.T) {
		h := newHarness(t, nil, Options{})
		h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
		page := s
		page.FollowUp = false
		if _, err := h.e.Enrich(context.Background(), page); err != nil {
			t.Fatal(err)
		}
		if n := h.requests(trtcapi.ActionDescribeCallDetailInfo); n != 0 {
			t.Errorf("%d DescribeCallDetailInfo requests for a page, want none (its data has not landed)", n)
		}
		// The follow-up asks again rather than reuse the page's answer.
		if _, err := h.e.Enrich(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		if n := h.requests(trtcapi.ActionDescribeUserEvent); n != 2 {
			t.Errorf("%d DescribeUserEvent requests, want 2 (the follow-up is not served the page's answer)", n)
		}
	})
	for _, tt := range []struct {
		name   string
		setup  func(h *harness)
		reason string
	}{
		{"refused", func(h *harness) {
			h.f.Fail(trtcapi.ActionDescribeCallDetailInfo, "UnauthorizedOperation", "not in your edition")
		}, "UnauthorizedOperation"},
		{"throttled", func(h *harness) { h.f.Fail(trtcapi.ActionDescribeCallDetailInfo, "RequestLimitExceeded", "slow down") }, "RequestLimitExceeded"},
		{"nothing reported", func(h *harness) { h.f.Reply(trtcapi.ActionDescribeCallDetailInfo, map[string]any{"Total": 0}) }, ReasonNoData},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, Options{})
			h.f.Reply(trtcapi.ActionDescribeUserEvent, aliceEvents())
			tt.setup(h)
			res, err := h.e.Enrich(context.Background(), s)
			if err != nil || len(res.Events) == 0 {
				t.Fatalf("the events went with the call details: %v", err)
			}
			if want := []Missing{{DataCallDetail, tt.reason}}; !reflect.DeepEqual(res.Missing, want) {
				t.Errorf("Missing %v, want %v", res.Missing, want)
			}
		})
	}
}

func TestFollowUpAt(t *testing.T) {
	e := New(cachedAPI{}, catalogtest.New(t), nil, Options{FollowUpDelay: 5 * time.Minute, FollowUpWait: 30 * time.Minute}, nil, nil)
	at := func(d time.Duration) time.Time { return eventAt.Add(d) }
	tests := []struct {
		name      string
		kind      Kind
		dismissed time.Time
		now       time.Time
		want      time.Time
	}{
		{"user: the delay after the drop", KindUser, time.Time{}, at(time.Second), at(5 * time.Minute)},
		{"user, delivered late: due already", KindUser, time.Time{}, at(9 * time.Minute), at(5 * time.Minute)},
		{"room dismissed before the page", KindRoom, at(-time.Minute), at(time.Second), at(5 * time.Minute)},
		{"room dismissed after", KindRoom, at(3 * time.Minute), at(6 * time.Minute), at(8 * time.Minute)},
		{"room still open: look again later", KindRoom, time.Time{}, at(time.Second), at(5*time.Minute + time.Second)},
		{"room still open at the delay", KindRoom, time.Time{}, at(5 * time.Minute), at(10 * time.Minute)},
		{"room open nearly too long", KindRoom, time.Time{}, at(28 * time.Minute), at(30 * time.Minute)},
		{"room open too long: go", KindRoom, time.Time{}, at(30 * time.Minute), at(30 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.FollowUpAt(tt.kind, eventAt, tt.dismissed, tt.now); !got.Equal(tt.want) {
				t.Errorf("FollowUpAt = %s, want %s", got.Sub(eventAt), tt.want.Sub(eventAt))
			}
		})
	}
}

func TestReasonOf(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&trtcapi.Error{Class: trtcapi.ClassAuth, Code: "AuthFailure.SignatureExpire"}, "AuthFailure"},
		{&trtcapi.Error{Class: trtcapi.ClassRateLimited, Code: "RequestLimitExceeded.UinLimitExceeded"}, "RequestLimitExceeded"},
		{&trtcapi.Error{Class: trtcapi.ClassRateLimited, Code: "FailedOperation.RestrictedFrequency"}, "FailedOperation"},
		{&trtcapi.Error{Class: trtcapi.ClassRateLimited}, ReasonThrottled},
		{&trtcapi.Error{Class: trtcapi.ClassAPI, Code: "ClientError.NetworkError"}, ReasonUnreachable},
		{&trtcapi.Error{Class: trtcapi.ClassAPI, Code: "ClientError.ParseJsonError"}, ReasonError},
		{&trtcapi.Error{Class: trtcapi.ClassAPI, Code: "Made.Up"}, ReasonError},
		{&trtcapi.Error{Class: trtcapi.ClassTimeout}, ReasonTimeout},
		{&trtcapi.Error{Class: trtcapi.ClassSkipped}, ReasonNoData},
		{&trtcapi.Error{Class: trtcapi.ClassInvalid}, ReasonInvalid},
		{context.DeadlineExceeded, ReasonTimeout},
		{errors.New("what"), ReasonError},
	}
	for _, tt := range tests {
		if got := reasonOf(tt.err); got != tt.want {
			t.Errorf("reasonOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
