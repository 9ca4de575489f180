package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/enrich"
	"github.com/hookdev/hook/internal/notify"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/rooms"
)

// printed is a console receiver that keeps each notification as printed.
type printed struct {
	mu    sync.Mutex
	pages []string
	sent  []alert.Notification
}

func (p *printed) Send(_ context.Context, n alert.Notification) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pages = append(p.pages, words.RenderText(n))
	p.sent = append(p.sent, n)
	return false, nil
}

func (p *printed) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.pages...)
}

// TestFollowUpEndToEnd wires what serve wires: a string room whose id is all
// digits pages a user's drop; the page carries the CommId TRTC's
// DescribeRoomInfo gives for the string room and the client the user's 103
// told; its follow-up is scheduled in Redis, released when due, and printed
// once with the call details, while a stopped dispatcher and a second replica
// change nothing.
func TestFollowUpEndToEnd(t *testing.T) {
	drop := time.Now().Add(-time.Second).Truncate(time.Second)
	created := drop.Add(-10 * time.Minute)
	api := &fakeTencentCloud{answer: map[string]any{
		// TRTC answers the string room "12345" alongside the numeric room 12345.
		"DescribeRoomInfo": map[string]any{"Total": 2, "RoomList": []any{
			map[string]any{"CommId": "1400000001_12345_" + strconv.FormatInt(created.Unix(), 10), "RoomString": "12345", "CreateTime": created.Unix()},
			map[string]any{"CommId": "1400000001_770001_" + strconv.FormatInt(created.Unix(), 10), "RoomString": "12345", "CreateTime": created.Unix()},
		}},
		"DescribeUserEvent": map[string]any{"Data": []any{map[string]any{"PeerId": "alice", "Content": []any{
			map[string]any{"Type": 0, "Time": drop.Add(-3 * time.Second).UnixMilli(), "EventId": 5005, "ParamOne": -1, "ParamTwo": -1},
		}}}},
		"DescribeCallDetailInfo": map[string]any{"Total": 1,
			"UserList": []any{map[string]any{"UserId": "alice", "JoinTs": created.Unix(), "LeaveTs": drop.Unix(), "DeviceType": "Android", "SdkVersion": "11.5.0.0"}},
			"Data":     []any{map[string]any{"UserId": "alice", "DataType": "rtt", "Content": []any{map[string]any{"Time": drop.Unix(), "Value": 850}}}}},
	}}
	fake := httptest.NewServer(api)
	defer fake.Close()
	env := map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDe2e", "TENCENTCLOUD_SECRET_KEY": "secret", "HOOK_TRTC_API_URL": fake.URL}
	rdb, _ := redistest.Mini(t)
	st := outbox.New(rdb, singleSlot(), outbox.Options{})
	cat := catalogtest.New(t)
	var asked []string
	members := enrich.MembersFunc(func(_ context.Context, app, roomKey, user string) (enrich.Member, bool, error) {
		asked = append(asked, app+"/"+roomKey+"/"+user)
		return enrich.Member{User: user, Role: 20, Terminal: 2, UserType: 3}, true, nil
	})
	pe, err := newEnricher(func(k string) string { return env[k] }, cat, rooms.New(rdb, "hook"), members, time.Now, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil || pe == nil {
		t.Fatalf("newEnricher: %v, %v", pe, err)
	}

	page := alert.Notification{ID: "p1", Kind: alert.KindFiring, Rule: "user-dropped", Title: "User left room: Timeout",
		Incident: "1400000001/s:12345", Count: 1, CreatedAt: drop,
		Event: alert.Event{App: "1400000001", Room: "12345", RoomKey: "s:12345", User: "alice", Time: drop,
			Codes: []alert.Code{{Field: "group", Value: 1, Name: "room"}, {Field: "event", Value: 104, Name: "room.exit"}}},
		Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverConsole}}
	body, _ := page.Marshal()
	if err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: st.Key(), Values: []any{"n", body}}).Err(); err != nil {
		t.Fatal(err)
	}
	out := &printed{}
	clock := &testClock{now: drop.Add(2 * time.Second)}
	dispatch := func(consumer string) (stop func()) {
		cfg := notify.DispatcherConfig{Consumer: consumer, Block: 5 * time.Millisecond, Enricher: pe, FollowUps: pe, FollowUpPoll: 5 * time.Millisecond}
		d := notify.NewDispatcher(st, map[alert.ReceiverKind]notify.Sender{alert.ReceiverConsole: out}, cfg, slog.New(slog.DiscardHandler), clock.Now)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = d.Run(ctx) }()
		return func() { cancel(); <-done }
	}
	deferred := func() int64 { n, _ := st.Deferred(context.Background()); return n }

	stop := dispatch("a")
	waitFor(t, 10*time.Second, "the page", func() bool { return len(out.all()) == 1 && deferred() == 1 })
	stop() // restarts before the follow-up is due change nothing
	pageText := out.all()[0]
	if !strings.Contains(pageText, "saw: ") || !strings.Contains(pageText, "5005 Connection to CVM timed out") || strings.Contains(pageText, "missing:") {
		t.Errorf("page lacks what the client saw, or says something is missing:\n%s", pageText)
	}
	// The page carries the call's id and the client the 103 told (notify words them).
	if e := out.sent[0].Enrichment; e == nil || !strings.HasPrefix(e.CommID, "1400000001_770001_") ||
		e.Client == nil || *e.Client != (alert.ClientInfo{Terminal: "Android", UserType: "Native SDK"}) {
		t.Errorf("page enrichment %+v", e)
	}
	if asked == nil || asked[0] != "1400000001/s:12345/alice" {
		t.Errorf("room entry asked for %v, want by the string room's key", asked)
	}

	clock.advance(5 * time.Minute)
	stopA, stopB := dispatch("a"), dispatch("b")
	waitFor(t, 10*time.Second, "the follow-up", func() bool { return len(out.all()) == 2 && deferred() == 0 })
	time.Sleep(50 * time.Millisecond)
	stopA()
	stopB()
	all := out.all()
	if len(all) != 2 {
		t.Fatalf("%d notifications, want the page and one follow-up:\n%s", len(all), strings.Join(all, "\n"))
	}
	follow := all[1]
	for _, want := range []string{
		"[FOLLOW-UP] User left room: Timeout",
		"Call (CommId): 1400000001_770001_", // the string room's call, not its numeric twin's
		"Client: Android · Native SDK · SDK 11.5.0.0 · Android · rtt max 850 ms",
		"5005 Connection to CVM timed out",
		"follows page p1-oncall",
	} {
		if !strings.Contains(follow, want) {
			t.Errorf("follow-up lacks %q:\n%s", want, follow)
		}
	}
	var details int
	for _, a := range api.Actions() {
		if a == "DescribeCallDetailInfo" {
			details++
		}
	}
	if details != 1 {
		t.Errorf("%d DescribeCallDetailInfo requests, want 1 (the follow-up's): %v", details, api.Actions())
	}
}
