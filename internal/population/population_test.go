package population

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

const app = "1400000001"

// t0 is the tests' start of time: every clock is set, never read from the wall.
var t0 = time.Date(2025, 11, 24, 10, 0, 0, 0, time.UTC)

// fixture is a tracker on miniredis with a clock the test moves.
type fixture struct {
	*Tracker
	mr  *miniredis.Miniredis
	rdb *redis.Client
	now time.Time
	reg *prometheus.Registry
}

func newFixture(t *testing.T, partitions int, opts Options) *fixture {
	t.Helper()
	rdb, mr := redistest.Mini(t)
	layout, err := keyspace.NewLayout("hook", partitions)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{mr: mr, rdb: rdb, now: t0, reg: prometheus.NewRegistry()}
	mr.SetTime(f.now)
	opts.Now = func() time.Time { return f.now }
	opts.Metrics = NewMetrics(f.reg)
	f.Tracker = New(rdb, layout, opts)
	return f
}

// advance moves the tracker's clock and miniredis' (for key expiry) by d.
func (f *fixture) advance(d time.Duration) {
	f.now = f.now.Add(d)
	f.mr.SetTime(f.now)
	f.mr.FastForward(d)
}

func (f *fixture) flush(t *testing.T) {
	t.Helper()
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) present(t *testing.T, room string) []string {
	t.Helper()
	ks := f.layout.Partition(f.layout.PartitionOf(app, room))
	users, err := f.rdb.HKeys(context.Background(), Key(ks, app, room)).Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(users)
	return users
}

func (f *fixture) dropped(reason string) float64 {
	return testutil.ToFloat64(f.opts.Metrics.dropped.WithLabelValues(reason))
}

// roomEvent is a group-1 callback of room 8489 (a numeric room) of app, at
// ms after t0.
func roomEvent(typ int, room, user string, ms int64) callback.Event {
	ev := callback.Event{AppID: app, Group: 1, Type: typ, CallbackMs: t0.UnixMilli() + ms + 100, EventMs: t0.UnixMilli() + ms,
		RoomID: room, RoomType: callback.RoomNumeric, UserID: user, Role: 21, TerminalType: callback.Absent,
		UserType: callback.Absent, Reason: 1, Status: callback.Absent, LeaveCode: callback.Absent}
	if typ == 103 {
		ev.TerminalType, ev.UserType = 2, 3
	}
	if typ == 101 || typ == 102 {
		ev.UserID, ev.Role = "", callback.Absent
	}
	return ev
}

func enter(user string, ms int64) callback.Event       { return roomEvent(103, "8489", user, ms) }
func leave(user string, ms int64) callback.Event       { return roomEvent(104, "8489", user, ms) }
func dismiss(ms int64) callback.Event                  { return roomEvent(102, "8489", "", ms) }
func created(ms int64) callback.Event                  { return roomEvent(101, "8489", "", ms) }
func at(ev callback.Event, room string) callback.Event { ev.RoomID = room; return ev }

// Order is the events' own, whatever the order they arrive in and however
// they are batched: an exit older than the known entry, and an entry older
// than the known exit or the room's dismissal, change nothing.
func TestOrderedByEventTime(t *testing.T) {
	tests := []struct {
		name    string
		events  []callback.Event // in arrival order
		present []string
		member  map[string]Member // what Member says of these users (absent: nothing known)
	}{
		{"enter", []callback.Event{enter("a", 100)}, []string{"a"},
			map[string]Member{"a": {User: "a", Role: 21, Terminal: 2, UserType: 3, Entered: t0.Add(100 * time.Millisecond)}}},
		{"enter then exit", []callback.Event{enter("a", 100), leave("a", 200)}, nil,
			map[string]Member{"a": {User: "a", Role: 21, Terminal: 2, UserType: 3, Entered: t0.Add(100 * time.Millisecond), Left: t0.Add(200 * time.Millisecond)}}},
		{"exit older than the entry is ignored", []callback.Event{enter("a", 100), leave("a", 50)}, []string{"a"}, nil},
		{"late entry older than the exit adds nothing", []callback.Event{leave("a", 200), enter("a", 100)}, nil,
			map[string]Member{"a": {User: "a", Role: 21, Terminal: -1, UserType: -1, Left: t0.Add(200 * time.Millisecond)}}},
		{"entry and exit at the same time: gone", []callback.Event{enter("a", 100), leave("a", 100)}, nil, nil},
		{"exit and entry at the same time, entry late: gone", []callback.Event{leave("a", 100), enter("a", 100)}, nil, nil},
		{"back again", []callback.Event{enter("a", 100), leave("a", 200), enter("a", 300)}, []string{"a"},
			map[string]Member{"a": {User: "a", Role: 21, Terminal: 2, UserType: 3, Entered: t0.Add(300 * time.Millisecond)}}},
		{"reconnected, then the old session's exit", []callback.Event{enter("a", 100), enter("a", 300), leave("a", 200)}, []string{"a"}, nil},
		{"a redelivered entry counts once", []callback.Event{enter("a", 100), enter("a", 100), enter("b", 100)}, []string{"a", "b"}, nil},
		{"101 changes nothing", []callback.Event{created(10), enter("a", 100)}, []string{"a"}, nil},
		{"dismissed", []callback.Event{enter("a", 100), enter("b", 150), dismiss(400)}, nil, nil},
		{"an entry older than the dismissal, late, adds nothing", []callback.Event{enter("a", 100), dismiss(400), enter("b", 300)}, []string{}, nil},
		{"entries after the dismissal are the next room's", []callback.Event{enter("a", 100), enter("b", 500), dismiss(400)}, []string{"b"}, nil},
		{"unknown user's exit, no entry", []callback.Event{leave("z", 100)}, nil,
			map[string]Member{"z": {User: "z", Role: 21, Terminal: -1, UserType: -1, Left: t0.Add(100 * time.Millisecond)}, "y": {}}},
	}
	for _, tt := range tests {
		for _, batched := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/batched=%v", tt.name, batched), func(t *testing.T) {
				f := newFixture(t, 4, Options{})
				for _, ev := range tt.events {
					f.Observe(ev)
					if !batched {
						f.flush(t)
					}
				}
				f.flush(t)
				if got := f.present(t, "8489"); !slices.Equal(got, tt.present) && len(got)+len(tt.present) > 0 {
					t.Errorf("present %v, want %v", got, tt.present)
				}
				if err := f.Refresh(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got := f.AppPresent(app); got != len(tt.present) {
					t.Errorf("AppPresent = %d, want %d", got, len(tt.present))
				}
				for user, want := range tt.member {
					got, ok, err := f.Member(context.Background(), app, "8489", user)
					if err != nil {
						t.Fatal(err)
					}
					if ok != (want.User != "") || got != want {
						t.Errorf("Member(%s) = %+v, %v; want %+v", user, got, ok, want)
					}
				}
			})
		}
	}
}

// Numeric room 8489 and string room "8489" are different rooms, each in its
// own key, both counted for the app.
func TestStringAndNumericRooms(t *testing.T) {
	f := newFixture(t, 16, Options{})
	str := enter("b", 100)
	str.RoomType = callback.RoomString
	f.Observe(enter("a", 100))
	f.Observe(str)
	f.flush(t)
	if got := f.present(t, "8489"); !slices.Equal(got, []string{"a"}) {
		t.Errorf("numeric room: %v", got)
	}
	if n, err := f.RoomPresent(context.Background(), app, "s:8489"); err != nil || n != 1 {
		t.Errorf("string room: %d, %v; want 1", n, err)
	}
	if m, ok, err := f.Member(context.Background(), app, "s:8489", "b"); err != nil || !ok || !m.Present() {
		t.Errorf("Member in the string room: %+v, %v, %v", m, ok, err)
	}
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.AppPresent(app); got != 2 {
		t.Errorf("AppPresent = %d, want 2", got)
	}
}

// A room that ends without a 102 is forgotten after Idle without an entry
// or exit; a room that changed meanwhile is kept; the app's count loses
// exactly the users of the rooms aged out.
func TestIdleRoomsAgeOut(t *testing.T) {
	const idle = time.Hour
	f := newFixture(t, 4, Options{Idle: idle})
	for i := range 3 {
		f.Observe(at(enter(fmt.Sprint("quiet", i), 0), "1"))
		f.Observe(at(enter(fmt.Sprint("busy", i), 0), "2"))
	}
	f.flush(t)
	f.advance(idle - time.Minute)
	f.Observe(at(leave("busy0", 10), "2")) // room 2 changes
	f.flush(t)
	f.advance(2 * time.Minute) // room 1 is idle for idle+1m, room 2 for 2m
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.present(t, "1"); len(got) != 0 {
		t.Errorf("idle room kept %v", got)
	}
	if got := f.present(t, "2"); !slices.Equal(got, []string{"busy1", "busy2"}) {
		t.Errorf("active room: %v", got)
	}
	if err := f.Refresh(context.Background()); err != nil { // the counts after the age-out
		t.Fatal(err)
	}
	if got := f.AppPresent(app); got != 2 {
		t.Errorf("AppPresent = %d, want 2", got)
	}
	// The aged-out room's users leave later: nothing to remove, no count below zero.
	f.Observe(at(leave("quiet0", 20), "1"))
	f.Observe(at(enter("new", 30), "1"))
	f.flush(t)
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.AppPresent(app); got != 3 {
		t.Errorf("AppPresent after the late exit = %d, want 3", got)
	}
}

// The app counts, kept per partition by the script, are always the sum of
// the rooms' populations, through random entries, exits, dismissals and
// age-outs over 16 partitions and two apps.
func TestAppCountsAcrossPartitions(t *testing.T) {
	const idle = time.Hour
	f := newFixture(t, 16, Options{Idle: idle, Batch: 37})
	rng := rand.New(rand.NewPCG(1, 2))
	apps := []string{app, "1400000002"}
	rooms := map[[2]string]bool{}
	ms := int64(0)
	for round := range 20 {
		for range 200 {
			ms += int64(rng.IntN(50))
			a, room := apps[rng.IntN(2)], fmt.Sprint(rng.IntN(40))
			rooms[[2]string{a, room}] = true
			var ev callback.Event
			switch r := rng.IntN(100); {
			case r < 60:
				ev = roomEvent(103, room, fmt.Sprint("u", rng.IntN(30)), ms)
			case r < 97:
				ev = roomEvent(104, room, fmt.Sprint("u", rng.IntN(30)), ms-int64(rng.IntN(200))) // some arrive late
			default:
				ev = roomEvent(102, room, "", ms)
			}
			ev.AppID = a
			f.Observe(ev)
		}
		f.flush(t)
		if round%5 == 4 {
			f.advance(idle / 2) // rooms untouched for two of these age out
		}
		if err := f.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.Refresh(context.Background()); err != nil { // the counts after this round's age-outs
			t.Fatal(err)
		}
		want := map[string]int{}
		for r := range rooms {
			n, err := f.RoomPresent(context.Background(), r[0], r[1])
			if err != nil {
				t.Fatal(err)
			}
			want[r[0]] += n
		}
		for _, a := range apps {
			if got := f.AppPresent(a); got != want[a] {
				t.Fatalf("round %d: AppPresent(%s) = %d, rooms hold %d", round, a, got, want[a])
			}
		}
	}
	if f.AppPresent(app) == 0 && f.AppPresent("1400000002") == 0 {
		t.Error("the test ended with nobody present: it checked little")
	}
}

// Observe never waits: with the queue full, ops are dropped and counted.
func TestDropWhenFull(t *testing.T) {
	f := newFixture(t, 1, Options{Queue: 2})
	for i := range 5 {
		f.Observe(enter(fmt.Sprint("u", i), int64(i)))
	}
	if got := f.dropped(reasonQueueFull); got != 3 {
		t.Errorf("dropped queue_full = %v, want 3", got)
	}
	f.flush(t)
	if got := f.present(t, "8489"); !slices.Equal(got, []string{"u0", "u1"}) {
		t.Errorf("present %v, want the two queued", got)
	}
}

// What cannot be written is counted, not queued: no user on an entry, an
// app that is not TRTC's, ids longer than TRTC's; other callbacks are not
// the tracker's business and count nothing.
func TestInvalidOpsCounted(t *testing.T) {
	f := newFixture(t, 1, Options{})
	noUser := enter("", 1)
	badApp := enter("a", 1)
	badApp.AppID = "14:00"
	long := enter(string(make([]byte, maxIDLen+1)), 1)
	noRoom := dismiss(1)
	noRoom.RoomID = ""
	for _, ev := range []callback.Event{noUser, badApp, long, noRoom} {
		f.Observe(ev)
	}
	other := enter("a", 1)
	other.Group, other.Type = 2, 201
	f.Observe(other)
	f.Observe(roomEvent(105, "8489", "a", 1))
	if got := f.dropped(reasonInvalid); got != 4 {
		t.Errorf("dropped invalid = %v, want 4", got)
	}
	if f.q.Len() != 0 {
		t.Errorf("%d ops queued, want none", f.q.Len())
	}
}

// Close writes what is queued before it returns; later ops are dropped.
func TestCloseFlushes(t *testing.T) {
	for _, started := range []bool{true, false} {
		t.Run(fmt.Sprintf("started=%v", started), func(t *testing.T) {
			// A flush interval no test waits for: only Close sends.
			f := newFixture(t, 4, Options{FlushEvery: time.Hour})
			if started {
				f.Start()
			}
			for i := range 100 {
				f.Observe(enter(fmt.Sprint("u", i), int64(i)))
			}
			f.Close()
			if got := len(f.present(t, "8489")); got != 100 {
				t.Errorf("%d present after Close, want 100", got)
			}
			f.Observe(enter("late", 1000))
			if got := f.dropped(reasonClosed); got != 1 {
				t.Errorf("dropped closed = %v, want 1", got)
			}
			f.Close() // twice is fine
		})
	}
}

// A started writer sends a full batch without waiting for its interval.
func TestWriterSendsFullBatches(t *testing.T) {
	f := newFixture(t, 4, Options{FlushEvery: time.Hour, Batch: 10})
	f.Start()
	defer f.Close()
	for i := range 10 {
		f.Observe(enter(fmt.Sprint("u", i), int64(i)))
	}
	deadline := time.Now().Add(10 * time.Second) // a guard against a hang, not a timing assertion
	for len(f.present(t, "8489")) != 10 {
		if time.Now().After(deadline) {
			t.Fatal("a full batch was not sent")
		}
		time.Sleep(time.Millisecond)
	}
}

// After a Redis restart (no script loaded) the script is loaded and the
// batch written, once.
func TestScriptReloaded(t *testing.T) {
	f := newFixture(t, 4, Options{})
	f.Observe(enter("a", 1))
	f.flush(t)
	f.mr.FlushAll()
	if err := f.rdb.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	f.Observe(enter("b", 2))
	f.flush(t)
	if got := f.present(t, "8489"); !slices.Equal(got, []string{"b"}) {
		t.Errorf("present %v, want [b]", got)
	}
}

// A batch Redis does not take is counted as dropped, by op.
func TestRedisErrorsCounted(t *testing.T) {
	f := newFixture(t, 4, Options{})
	f.mr.SetError("LOADING Redis is loading the dataset in memory")
	f.Observe(enter("a", 1))
	f.Observe(enter("b", 2))
	if err := f.Flush(context.Background()); err == nil {
		t.Error("Flush did not report the failure")
	}
	if got := f.dropped(reasonRedis); got != 2 {
		t.Errorf("dropped redis = %v, want 2", got)
	}
	f.mr.SetError("")
	if _, _, err := f.Member(context.Background(), app, "8489", "a"); err != nil {
		t.Errorf("Member: %v", err)
	}
}

// A departure is remembered for at least DepartedPeriod, and forgotten
// after at most twice that; at most MaxDeparted are remembered.
func TestDepartedRemembered(t *testing.T) {
	t.Run("for at least the period", func(t *testing.T) {
		f := newFixture(t, 4, Options{})
		f.advance(DepartedPeriod - time.Second) // leave at the very end of a period
		f.Observe(enter("a", 0))
		f.Observe(leave("a", 1))
		f.flush(t)
		f.advance(DepartedPeriod)
		if m, ok, err := f.Member(context.Background(), app, "8489", "a"); err != nil || !ok || m.Present() || m.Terminal != 2 {
			t.Errorf("after the period: %+v, %v, %v; want the departure", m, ok, err)
		}
		f.advance(DepartedPeriod + time.Second)
		if m, ok, err := f.Member(context.Background(), app, "8489", "a"); err != nil || ok {
			t.Errorf("after two periods: %+v, %v, %v; want it forgotten", m, ok, err)
		}
	})
	t.Run("at most MaxDeparted", func(t *testing.T) {
		f := newFixture(t, 1, Options{MaxDeparted: 4}) // 2 per period in the one partition
		for i := range 3 {
			f.Observe(enter(fmt.Sprint("u", i), 0))
			f.Observe(leave(fmt.Sprint("u", i), 1))
		}
		f.flush(t)
		var known []string
		for i := range 3 {
			if _, ok, _ := f.Member(context.Background(), app, "8489", fmt.Sprint("u", i)); ok {
				known = append(known, fmt.Sprint("u", i))
			}
		}
		if !slices.Equal(known, []string{"u0", "u1"}) {
			t.Errorf("departures remembered: %v, want the first two", known)
		}
	})
}

// Only users present are in a room's hash (the fire script reads its HLEN
// as the room's population), and the room leaves the index when empty.
func TestRoomHashHoldsPresentUsersOnly(t *testing.T) {
	f := newFixture(t, 1, Options{})
	f.Observe(enter("a", 1))
	f.Observe(enter("b", 2))
	f.Observe(leave("a", 3))
	f.Observe(leave("c", 4))
	f.flush(t)
	ks := f.layout.Partition(0)
	if n, _ := f.rdb.HLen(context.Background(), Key(ks, app, "8489")).Result(); n != 1 {
		t.Errorf("HLEN = %d, want 1", n)
	}
	f.Observe(leave("b", 5))
	f.flush(t)
	if n, _ := f.rdb.Exists(context.Background(), Key(ks, app, "8489")).Result(); n != 0 {
		t.Error("an empty room's key remains")
	}
	if n, _ := f.rdb.ZCard(context.Background(), roomsKey(ks)).Result(); n != 0 {
		t.Errorf("%d rooms indexed, want 0", n)
	}
	if n, _ := f.rdb.HLen(context.Background(), appsKey(ks)).Result(); n != 0 {
		t.Errorf("app counts %d, want none at zero", n)
	}
}

// Sync writes each event before Observe returns: no Flush, no writer.
func TestSyncWritesAtOnce(t *testing.T) {
	f := newFixture(t, 4, Options{})
	s := Sync{f.Tracker}
	s.Observe(enter("a", 1))
	if got := f.present(t, "8489"); !slices.Equal(got, []string{"a"}) {
		t.Errorf("present %v right after Observe, want [a]", got)
	}
}

// Sync's AppPresent reads through: each event counts in its app at once,
// over every partition, where the tracker's cache waits for a refresh.
func TestSyncAppPresentIsExact(t *testing.T) {
	f := newFixture(t, 4, Options{})
	s := Sync{f.Tracker}
	rooms := []string{"r1", "r2", "r3", "r4", "r5", "r6"} // over several partitions
	for i, r := range rooms {
		s.Observe(at(enter(fmt.Sprint("u", i), int64(i+1)), r))
		if got := s.AppPresent(app); got != i+1 {
			t.Fatalf("after %d entries: AppPresent %d", i+1, got)
		}
	}
	s.Observe(at(leave("u0", 10), "r1"))
	s.Observe(at(dismiss(11), "r2"))
	if got := s.AppPresent(app); got != 4 {
		t.Errorf("after an exit and a dismissal: AppPresent %d, want 4", got)
	}
	if got := s.AppPresent("1400000009"); got != 0 {
		t.Errorf("an app nobody entered: %d", got)
	}
	if got := f.Tracker.AppPresent(app); got != 0 {
		t.Errorf("the cache, never refreshed, says %d: Sync must not need it", got)
	}
	if n, err := f.Present(context.Background(), app); err != nil || n != 4 {
		t.Errorf("Present = %d, %v; want 4", n, err)
	}
}
