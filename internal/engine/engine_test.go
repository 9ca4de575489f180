package engine

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/rules"
)

// fakeStore fires everything; it counts calls.
type fakeStore struct {
	mu    sync.Mutex
	calls int
}

func (s *fakeStore) Fire(_ context.Context, _ time.Time, as []alert.Alert) ([]alert.Verdict, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	out := make([]alert.Verdict, len(as))
	for i := range out {
		out[i] = alert.VerdictPaged
	}
	return out, nil
}

func (s *fakeStore) Tick(context.Context, time.Time, int) ([]alert.TickOutcome, error) {
	return nil, nil
}

func testEngine(t *testing.T, rulesYAML string, st Store) *Engine {
	t.Helper()
	cat := catalogtest.New(t)
	src := "receivers:\n  - name: oncall\n    console: {}\ndefault_receiver: oncall\n" + rulesYAML
	rs, err := rules.Compile("test.yaml", []byte(src), cat, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return New(cat, rs, st, time.Now, nil)
}

func TestHandleNoMatchSkipsStore(t *testing.T) {
	st := &fakeStore{}
	e := testEngine(t, "rules:\n  - name: r\n    match: {event: room.enter}\n", st)
	res, err := e.Handle(context.Background(), callbacktest.Exit(2))
	if err != nil || len(res.Outcomes) != 0 || st.calls != 0 {
		t.Errorf("res %+v err %v calls %d", res, err, st.calls)
	}
}

func TestHandleMatchFiresOnce(t *testing.T) {
	st := &fakeStore{}
	e := testEngine(t, "rules:\n  - name: r\n    match: {event: room.exit}\n", st)
	res, err := e.Handle(context.Background(), callbacktest.Exit(2))
	if err != nil || len(res.Outcomes) != 1 || !res.Outcomes[0].Fired || res.Outcomes[0].Pages != 1 || st.calls != 1 {
		t.Errorf("res %+v err %v calls %d", res, err, st.calls)
	}
}

// roomLog records what RecordRoom was told.
type roomLog struct{ got []string }

func (r *roomLog) RecordRoom(_ context.Context, app, roomKey, what string, at time.Time) error {
	r.got = append(r.got, app+" "+roomKey+" "+what+" "+at.UTC().Format(time.RFC3339))
	return nil
}

// TestRoomLogKeysRoomsByKind: a string room's creation and dismissal are
// recorded under its room key, apart from the numeric room of the same digits.
func TestRoomLogKeysRoomsByKind(t *testing.T) {
	rooms := &roomLog{}
	e := testEngine(t, "rules:\n  - name: r\n    match: {event: room.exit}\n", &fakeStore{}).WithRoomLog(rooms)
	ev := func(typ, roomType int) callback.Event {
		x := callbacktest.Exit(0)
		x.Type, x.RoomID, x.RoomType, x.UserID = typ, "12345", roomType, ""
		return x
	}
	for _, x := range []callback.Event{ev(101, callback.RoomString), ev(101, callback.RoomNumeric), ev(102, callback.RoomString), ev(104, callback.RoomString)} {
		if _, err := e.Handle(context.Background(), x); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"1400000001 s:12345 created 2023-11-14T22:13:20Z",
		"1400000001 12345 created 2023-11-14T22:13:20Z",
		"1400000001 s:12345 dismissed 2023-11-14T22:13:20Z",
	}
	if strings.Join(rooms.got, "\n") != strings.Join(want, "\n") {
		t.Errorf("recorded\n%s\nwant\n%s", strings.Join(rooms.got, "\n"), strings.Join(want, "\n"))
	}
}

// fakePopulation records what the engine hands it, and when: before the
// store is called or not.
type fakePopulation struct {
	st   *fakeStore
	seen []int // event types
	// storeCallsBefore is how many store calls had happened at each Observe.
	storeCallsBefore []int
}

func (p *fakePopulation) Observe(ev callback.Event) {
	p.seen = append(p.seen, ev.Type)
	p.storeCallsBefore = append(p.storeCallsBefore, p.st.calls)
}

// Every room event of group 1 (101 to 104) goes to the population, before
// the rules act on it, whether or not a rule matches; nothing else does.
func TestHandleFeedsPopulation(t *testing.T) {
	tests := []struct {
		group, typ int
		fed        bool
	}{
		{1, 101, true}, {1, 102, true}, {1, 103, true}, {1, 104, true},
		{1, 105, false}, {2, 201, false}, {3, 301, false},
	}
	for _, tt := range tests {
		st := &fakeStore{}
		pop := &fakePopulation{st: st}
		e := testEngine(t, "rules:\n  - name: r\n    match: {event: room.exit}\n", st).WithPopulation(pop)
		ev := callbacktest.Exit(2)
		ev.Group, ev.Type = tt.group, tt.typ
		if _, err := e.Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		if fed := len(pop.seen) == 1; fed != tt.fed || len(pop.seen) > 1 {
			t.Errorf("%d/%d: population saw %v, want fed %v", tt.group, tt.typ, pop.seen, tt.fed)
		}
		if tt.fed && pop.storeCallsBefore[0] != 0 {
			t.Errorf("%d/%d: the population saw the event after the store", tt.group, tt.typ)
		}
	}
}
