package state

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

const testApp = "1400000001"

// drop is a threshold alert of rule "outage" about user leaving room 8489
// at, counted per room: within a minute, at least count, and share (ten
// thousandths) of the room's users when share is set.
func drop(user string, at time.Time, count, share int) alert.Alert {
	a := plain("outage", "outage:"+testApp+"/8489", "outage-page")
	a.Op, a.StateKey, a.Member, a.Count, a.Within = alert.OpThreshold, testApp+"/8489", user, count, time.Minute
	a.EventMs = at.UnixMilli()
	a.Share = share
	if share > 0 {
		a.Of = alert.OfRoom
	}
	a.MemberRole, a.MemberReason = "Audience", "Timeout"
	a.Notification.Aggregate, a.Notification.MemberKind = true, alert.MembersUsers
	a.Notification.Event = alert.Event{App: testApp, Room: "8489", RoomKey: "8489", User: user}
	return a
}

// room is the population of room 8489 in s's keyspace: who is present.
type room struct {
	t   *testing.T
	rdb redis.UniversalClient
	key string
}

func roomOf(t *testing.T, rdb redis.UniversalClient, s *wired) room {
	return room{t, rdb, populationKey(s.parts[s.layout.PartitionOf(testApp, "8489")].keys, testApp, "8489")}
}

// storeWithRoom is a store on rdb with present users (u1, u2...) in room
// 8489.
func storeWithRoom(t *testing.T, rdb redis.UniversalClient, present int) (*wired, room) {
	s := wire(New(rdb, "hook"))
	r := roomOf(t, rdb, s)
	r.enter(users(present)...)
	return s, r
}

// enter and leave play the population writer: a user's 103 and 104.
func (r room) enter(users ...string) {
	for _, u := range users {
		if err := r.rdb.HSet(context.Background(), r.key, u, `{"role":21}`).Err(); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r room) leave(users ...string) {
	if err := r.rdb.HDel(context.Background(), r.key, users...).Err(); err != nil {
		r.t.Fatal(err)
	}
}

func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("u", i+1)
	}
	return out
}

// A relative threshold pages when the distinct members it counted reach
// both its count and its share of the room's users: those present plus
// those it counted away. A dropped user the population writer has not
// removed yet counts once, not twice.
func TestRelativeThresholdOfTheRoom(t *testing.T) {
	type step struct {
		user    string
		at      time.Duration
		applied bool // the population writer removed the user before the callback's script ran
		want    alert.Verdict
	}
	var (
		half     = 5000
		quarter  = 2500
		tenOf10  = []step{}
		behind   = []step{}
		repeated = []step{{"u1", 0, true, alert.VerdictCounted}, {"u1", time.Second, true, alert.VerdictCounted},
			{"u2", 2 * time.Second, true, alert.VerdictPaged}, {"u3", 3 * time.Second, true, alert.VerdictDuplicate}}
	)
	for i, u := range users(5) {
		want := alert.VerdictCounted
		if i == 4 {
			want = alert.VerdictPaged
		}
		tenOf10 = append(tenOf10, step{u, time.Duration(i) * time.Second, true, want})
		behind = append(behind, step{u, time.Duration(i) * time.Second, false, want})
	}
	for _, tc := range []struct {
		name    string
		present int
		count   int
		share   int
		steps   []step
		why     alert.Why
	}{
		{"half of ten users", 10, 2, half, tenOf10, alert.Why{Dropped: 5, Population: 10}},
		{"the writer behind the drops", 10, 2, half, behind, alert.Why{Dropped: 5, Population: 10}},
		{"the count is the floor", 4, 3, quarter, []step{{"u1", 0, true, alert.VerdictCounted},
			{"u2", time.Second, true, alert.VerdictCounted}, {"u3", 2 * time.Second, true, alert.VerdictPaged}},
			alert.Why{Dropped: 3, Population: 4}},
		{"a member's repeats count once", 4, 2, half, repeated, alert.Why{Dropped: 2, Population: 4}},
		{"a user outside the window does not count", 4, 2, half, []step{{"u1", 0, true, alert.VerdictCounted},
			{"u2", 2 * time.Minute, true, alert.VerdictCounted}, {"u3", 2*time.Minute + time.Second, true, alert.VerdictPaged}},
			alert.Why{Dropped: 2, Population: 3}},
		{"an absolute threshold counts events", 100, 3, 0, []step{{"u1", 0, true, alert.VerdictCounted},
			{"u1", time.Second, true, alert.VerdictCounted}, {"u2", 2 * time.Second, true, alert.VerdictPaged}},
			alert.Why{Dropped: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
				ctx := context.Background()
				s, r := storeWithRoom(t, rdb, tc.present)
				t0 := time.Now()
				for i, st := range tc.steps {
					if st.applied {
						r.leave(st.user)
					}
					v, err := s.Fire(ctx, t0.Add(st.at), []alert.Alert{drop(st.user, t0.Add(st.at), tc.count, tc.share)})
					if err != nil || v[0] != st.want {
						t.Fatalf("step %d (%s): %v, %v; want %s", i, st.user, v, err, st.want)
					}
					if !st.applied {
						r.leave(st.user)
					}
				}
				page := onePage(t, s)
				if got := page.Why; got == nil || *got != tc.why {
					t.Errorf("why %+v, want %+v", got, tc.why)
				}
				for _, m := range page.Members {
					if m.Role != "Audience" || m.Reason != "Timeout" {
						t.Errorf("member %+v: want role Audience, reason Timeout", m)
					}
				}
			})
		})
	}
}

// Once above its share, a relative threshold pages no more while it stays
// there; when the share is no longer reached (here: the room fills up
// again) it may cross again, and a crossing after its dedup window pages.
func TestRelativeThresholdCrossesAgain(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, ff func(time.Duration)) {
		ctx := context.Background()
		s, r := storeWithRoom(t, rdb, 4)
		t0 := time.Now()
		fire := func(user string, at time.Duration, want alert.Verdict) {
			t.Helper()
			r.leave(user)
			v, err := s.Fire(ctx, t0.Add(at), []alert.Alert{drop(user, t0.Add(at), 2, 5000)})
			if err != nil || v[0] != want {
				t.Fatalf("%s at %s: %v, %v; want %s", user, at, v, err, want)
			}
		}
		fire("u1", 0, alert.VerdictCounted)
		fire("u2", time.Second, alert.VerdictPaged) // 2 of 4
		fire("u3", 2*time.Second, alert.VerdictDuplicate)
		r.enter(users(40)[4:]...) // 36 more: 3 of 39 is below half
		fire("u4", 3*time.Second, alert.VerdictCounted)
		r.leave(users(40)[4:]...)
		fire("u1", 4*time.Second, alert.VerdictDuplicate) // crosses again, within the dedup window
		if ff != nil {
			ff(2 * time.Minute)
		}
		fire("u5", 2*time.Minute, alert.VerdictCounted) // the window emptied: one of one is the share, not the floor
		fire("u6", 2*time.Minute+time.Second, alert.VerdictPaged)
	})
}

// An app-relative threshold's population is the app's present users, as
// the engine passed them, plus the members it counted away.
func TestRelativeThresholdOfTheApp(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		t0 := time.Now()
		for i, u := range users(4) {
			a := drop(u, t0.Add(time.Duration(i)*time.Second), 2, 3000)
			a.Of, a.Present = alert.OfApp, 10-i-1 // 10 users, those dropped are gone
			want := alert.VerdictCounted
			if i == 2 { // 3 of 10 is 30%
				want = alert.VerdictPaged
			}
			if i == 3 {
				want = alert.VerdictDuplicate
			}
			if v, err := s.Fire(ctx, t0, []alert.Alert{a}); err != nil || v[0] != want {
				t.Fatalf("%s: %v, %v; want %s", u, v, err, want)
			}
		}
		page := onePage(t, s)
		if want := (alert.Why{Dropped: 3, Population: 10}); page.Why == nil || *page.Why != want {
			t.Errorf("why %+v, want %+v", page.Why, want)
		}
	})
}

// A threshold that waits for recovery says, when it pages, how many
// dropped, how many are still away, and of how many users: "7 of 9
// dropped; 6 still away". Its share is judged when the wait ends, with the
// population then.
func TestThresholdWaitSaysDroppedAndAway(t *testing.T) {
	for _, tc := range []struct {
		name  string
		of    string
		share int
		pages int
		why   alert.Why
	}{
		{"absolute", "", 0, 1, alert.Why{Dropped: 7, Away: 6}},
		{"half of the room", alert.OfRoom, 5000, 1, alert.Why{Dropped: 7, Away: 6, Population: 9}},
		{"two thirds of the room", alert.OfRoom, 6666, 1, alert.Why{Dropped: 7, Away: 6, Population: 9}},
		{"more than two thirds of the room", alert.OfRoom, 6700, 0, alert.Why{}},
		{"half of the app", alert.OfApp, 5000, 1, alert.Why{Dropped: 7, Away: 6, Population: 12}},
		{"most of the app", alert.OfApp, 5000 + 1, 0, alert.Why{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
				ctx := context.Background()
				s, r := storeWithRoom(t, rdb, 9)
				t0 := time.Now()
				storm := func(user string, at time.Duration) alert.Alert {
					a := drop(user, t0.Add(at), 3, tc.share)
					a.Of, a.For = tc.of, 20*time.Second
					if tc.of == alert.OfApp {
						// What the engine knew then, its cache a moment
						// behind: the tick asks again, and judges the
						// share of the larger.
						a.Present = 8
					}
					return a
				}
				for i, u := range users(7) {
					r.leave(u)
					if _, err := s.Fire(ctx, t0, []alert.Alert{storm(u, time.Duration(i)*time.Second)}); err != nil {
						t.Fatal(err)
					}
				}
				r.enter("u7") // back: a 103 and its recovery
				back := storm("u7", 10*time.Second)
				back.Op = alert.OpRecover
				if v, err := s.Fire(ctx, t0.Add(10*time.Second), []alert.Alert{back}); err != nil || v[0] != alert.VerdictCleared {
					t.Fatalf("recovery: %v, %v", v, err)
				}
				present := func(app string) int {
					if app != testApp {
						t.Errorf("present users of app %q asked", app)
					}
					return 6 // and 6 away: 12
				}
				outs, err := s.TickApps(ctx, t0.Add(time.Minute), 100, present)
				if err != nil || len(outs) != 1 {
					t.Fatalf("tick: %v, %v", outs, err)
				}
				pages, err := s.Drain(ctx)
				if err != nil || len(pages) != tc.pages {
					t.Fatalf("%d pages, %v; want %d (tick %v)", len(pages), err, tc.pages, outs)
				}
				if tc.pages == 0 {
					return
				}
				if got := pages[0].Why; got == nil || *got != tc.why {
					t.Errorf("why %+v, want %+v", got, tc.why)
				}
				var names []string
				for _, m := range pages[0].Members {
					names = append(names, m.Name)
					if m.Role != "Audience" || m.Reason != "Timeout" {
						t.Errorf("member %+v: want role Audience, reason Timeout", m)
					}
				}
				if want := users(6); !slices.Equal(names, want) {
					t.Errorf("members %v, want %v", names, want)
				}
			})
		})
	}
}

// A share is judged at the wait's end against the users there when the
// wait opened, at least: a room that ends during the wait (its users
// leaving, then TRTC's 102 emptying its population), or an app whose calls
// end, neither hides how many there were from the page nor turns the few
// still away into most of them. A room's count then is exact; an app's is
// what the engine's cache knew then.
func TestThresholdWaitKeepsThePopulation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		of    string
		back  int // of the 6 who dropped, how many came back before the end
		pages int
		why   alert.Why
	}{
		{"a room, nobody came back", alert.OfRoom, 0, 1, alert.Why{Dropped: 6, Away: 6, Population: 10}},
		{"a room, most came back, then everyone went home", alert.OfRoom, 3, 0, alert.Why{}},
		// The engine's cache counted 9 when the third drop opened the wait.
		{"an app, nobody came back", alert.OfApp, 0, 1, alert.Why{Dropped: 6, Away: 6, Population: 9}},
		{"an app, most came back, then every call ended", alert.OfApp, 3, 0, alert.Why{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
				ctx := context.Background()
				s, r := storeWithRoom(t, rdb, 10)
				t0 := time.Now()
				drop := func(user string, at time.Duration, present int) alert.Alert {
					a := drop(user, t0.Add(at), 3, 5000) // half, 3 at least
					a.Of, a.For = tc.of, 20*time.Second
					if tc.of == alert.OfApp {
						a.Present = present
					}
					return a
				}
				for i, u := range users(6) {
					r.leave(u)
					// The cache is a drop behind: 10, 10, 9, 8...
					if _, err := s.Fire(ctx, t0, []alert.Alert{drop(u, time.Duration(i)*time.Second, 10-max(i-1, 0))}); err != nil {
						t.Fatal(err)
					}
				}
				for _, u := range users(tc.back) {
					back := drop(u, 10*time.Second, 0)
					back.Op = alert.OpRecover
					if v, err := s.Fire(ctx, t0.Add(10*time.Second), []alert.Alert{back}); err != nil || v[0] != alert.VerdictCleared {
						t.Fatalf("recovery of %s: %v, %v", u, v, err)
					}
				}
				// Everyone still there leaves, and the room ends: nobody is
				// present when the wait does.
				if err := rdb.Del(ctx, r.key).Err(); err != nil {
					t.Fatal(err)
				}
				nobody := func(string) int { return 0 }
				if _, err := s.TickApps(ctx, t0.Add(time.Minute), 100, nobody); err != nil {
					t.Fatal(err)
				}
				pages, err := s.Drain(ctx)
				if err != nil || len(pages) != tc.pages {
					t.Fatalf("%d pages, %v; want %d", len(pages), err, tc.pages)
				}
				if tc.pages == 1 {
					if got := pages[0].Why; got == nil || *got != tc.why {
						t.Errorf("why %+v, want %+v", got, tc.why)
					}
				}
			})
		})
	}
}

// A threshold with rearm counts one episode once: after it counted an
// event for a key, later events for it count only once a rearm event
// newer than the counted one came, and only if they are not older than it.
func TestThresholdRearm(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		t0 := time.Now()
		flap := func(at time.Duration) alert.Alert {
			a := plain("flapping", "flapping:task", "flapping-page")
			a.Op, a.StateKey, a.Member, a.Count, a.Within = alert.OpThreshold, "task", "task", 3, 10*time.Minute
			a.EventMs, a.Rearm = t0.Add(at).UnixMilli(), true
			a.Notification.Event = alert.Event{App: testApp, Room: "8489", Task: "task"}
			return a
		}
		running := func(at time.Duration) alert.Alert {
			a := flap(at)
			a.Op, a.Rearm = alert.OpRearm, false
			return a
		}
		for i, st := range []struct {
			what string
			a    alert.Alert
			want alert.Verdict
		}{
			{"running before anything", running(0), alert.VerdictIgnored},
			{"recovering", flap(time.Second), alert.VerdictCounted},
			{"its repeat", flap(6 * time.Second), alert.VerdictDuplicate},
			{"its repeat", flap(11 * time.Second), alert.VerdictDuplicate},
			{"running", running(15 * time.Second), alert.VerdictCleared},
			{"running repeated", running(15 * time.Second), alert.VerdictIgnored},
			{"a late repeat of the first episode", flap(12 * time.Second), alert.VerdictDuplicate},
			// In the running's very millisecond (callbacks sent at once): a
			// new episode, counted once, never again until the next running.
			{"recovering again, in the running's millisecond", flap(15 * time.Second), alert.VerdictCounted},
			{"its repeat", flap(20 * time.Second), alert.VerdictDuplicate},
			{"its repeat", flap(25 * time.Second), alert.VerdictDuplicate},
			{"a late running, before the episode", running(14 * time.Second), alert.VerdictIgnored},
			{"another repeat", flap(30 * time.Second), alert.VerdictDuplicate},
			{"running", running(40 * time.Second), alert.VerdictCleared},
			{"the third episode", flap(45 * time.Second), alert.VerdictPaged},
			{"its repeat", flap(50 * time.Second), alert.VerdictDuplicate},
		} {
			v, err := s.Fire(ctx, t0.Add(time.Minute), []alert.Alert{st.a})
			if err != nil || v[0] != st.want {
				t.Fatalf("step %d, %s: %v, %v; want %s", i, st.what, v, err, st.want)
			}
		}
		key := rearmKey(s.layout.Partition(0), "flapping", "task")
		if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 0 {
			t.Errorf("rearm state has TTL %s, want one", ttl)
		}
	})
}

// Aggregated pages list each member with its own role and reason, at its
// latest counted event: a threshold's crossing, and a group's flushes (the
// first of which carries the threshold's numbers).
func TestMemberDetailsInAggregates(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		t0 := time.Now()
		anchor := drop("anchor", t0, 2, 0)
		anchor.MemberRole = "Anchor"
		viewer := drop("viewer", t0.Add(time.Second), 2, 0)
		viewer.MemberReason = "Force-closed"
		nameless := drop("nameless\nuser", t0.Add(2*time.Second), 2, 0)
		nameless.MemberRole, nameless.MemberReason = "", ""
		for _, a := range []alert.Alert{anchor, viewer, nameless} {
			a.Group = &alert.Group{ID: "storm/8489", Wait: 10 * time.Second, Interval: time.Minute, Hold: time.Hour}
			if _, err := s.Fire(ctx, t0, []alert.Alert{a}); err != nil {
				t.Fatal(err)
			}
		}
		page := tickedPage(t, s, t0.Add(time.Minute))
		want := []alert.Member{{Name: "anchor", Events: 1, Role: "Anchor", Reason: "Timeout"},
			{Name: "nameless\nuser", Events: 1}, {Name: "viewer", Events: 1, Role: "Audience", Reason: "Force-closed"}}
		if !slices.Equal(page.Members, want) {
			t.Errorf("members %+v\nwant %+v", page.Members, want)
		}
		if w := page.Why; w == nil || w.Dropped != 2 {
			t.Errorf("why %+v: want the 2 dropped at the crossing", w)
		}
	})
}

// appWide is drop made app-wide: counted per app, whatever the room.
func appWide(room, user string, at time.Time) alert.Alert {
	a := drop(user, at, 5, 0)
	a.Rule, a.DedupKey, a.StateKey, a.AppWide = "app-outage", "app-outage:"+testApp, testApp, true
	a.Notification.Rule, a.Notification.ID = "app-outage", "app-outage-page"
	a.Notification.Event.Room, a.Notification.Event.RoomKey = room, room
	return a
}

// An app-wide threshold's state lives in its app's partition: 20 rooms of
// one app, in different partitions, dropping a user each page once for the
// app. A callback whose alerts fire into its room's partition and its
// app's is one script on one Redis (one per partition, in one pipeline, on
// Redis Cluster), and its verdicts come back in its alerts' order.
func TestAppWideThresholdAcrossPartitions(t *testing.T) {
	run := func(t *testing.T, rdb redis.UniversalClient, batched bool, scripts int64) {
		ctx := context.Background()
		s := partitioned(t, rdb, 16)
		if batched {
			b := NewBatcher(rdb, 0, 0)
			t.Cleanup(b.Close)
			s.WithBatcher(b)
		}
		if err := fireScript.Load(ctx, rdb).Err(); err != nil {
			t.Fatal(err)
		}
		counter := &scriptCounter{}
		rdb.AddHook(counter)
		appPart := s.layout.PartitionOf(testApp, "")
		t0 := time.Now()
		var paged, split int
		for i := range 20 {
			room := fmt.Sprint("room-", i)
			want := int64(1)
			if s.layout.PartitionOf(testApp, room) != appPart {
				split++
				want = scripts
			}
			user := fmt.Sprint("u", i)
			mine := inRoom(room, "own-"+room) // a per-room page beside the app-wide count
			mine.Notification.Event.App = testApp
			before := counter.n.Load()
			v, err := s.Fire(ctx, t0, []alert.Alert{appWide(room, user, t0.Add(time.Duration(i)*time.Second)), mine})
			if err != nil {
				t.Fatal(err)
			}
			if n := counter.n.Load() - before; n != want {
				t.Errorf("room %s: %d scripts, want %d", room, n, want)
			}
			if v[1] != alert.VerdictPaged {
				t.Errorf("room %s: the room's own alert %s, want paged", room, v[1])
			}
			switch v[0] {
			case alert.VerdictPaged:
				paged++
				if i != 4 {
					t.Errorf("the app paged at its %dth drop, want its 5th", i+1)
				}
			case alert.VerdictCounted, alert.VerdictDuplicate:
			default:
				t.Errorf("room %s: app-wide alert %s", room, v[0])
			}
		}
		if paged != 1 || split < 10 {
			t.Errorf("the app paged %d times (want 1); %d of 20 rooms outside the app's partition", paged, split)
		}
		pages, err := s.Drain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		app := 0
		for _, p := range pages {
			if p.Rule == "app-outage" {
				app++
			}
		}
		if app != 1 || len(pages) != 21 {
			t.Errorf("%d pages, %d for the app; want 21 and 1", len(pages), app)
		}
		win := windowKey(s.layout.Partition(appPart), "app-outage", testApp)
		if n := rdb.ZCard(ctx, win).Val(); n != 20 {
			t.Errorf("the app's window in its partition holds %d, want 20", n)
		}
	}
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		t.Run("direct", func(t *testing.T) { run(t, rdb, false, 1) })
		rdb.FlushAll(context.Background())
		t.Run("batched", func(t *testing.T) { run(t, rdb, true, 1) })
	})
	t.Run("cluster", func(t *testing.T) {
		rdb, c := redistest.StartCluster(t)
		t.Run("direct", func(t *testing.T) { run(t, rdb, false, 2) })
		c.Flush(t)
		t.Run("batched", func(t *testing.T) { run(t, rdb, true, 2) })
	})
}

// With WAIT, a callback that fires into its room's partition and its
// app's waits for the replicas of both: it succeeds once they have its
// writes, and fails (TRTC retries) when they cannot.
func TestAppWideWithWait(t *testing.T) {
	callback := func(s *wired) []alert.Alert {
		room := ""
		for i := 0; ; i++ {
			room = fmt.Sprint("room-", i)
			if s.layout.PartitionOf(testApp, room) != s.layout.PartitionOf(testApp, "") {
				break
			}
		}
		mine := inRoom(room, "own-"+room)
		return []alert.Alert{appWide(room, "u1", time.Now()), mine}
	}
	t.Run("a replica", func(t *testing.T) {
		sen := redistest.StartSentinel(t, 1)
		s, err := wireNew(sen.Client(t), "hook", Options{Partitions: 16, WaitReplicas: 1})
		if err != nil {
			t.Fatal(err)
		}
		alerts := callback(s)
		v, err := s.Fire(context.Background(), time.Now(), alerts)
		if err != nil || !slices.Equal(v, []alert.Verdict{alert.VerdictCounted, alert.VerdictPaged}) {
			t.Fatalf("Fire: %v, %v; want counted, paged", v, err)
		}
	})
	t.Run("no replica", func(t *testing.T) {
		s, err := wireNew(redistest.Start(t), "hook", Options{Partitions: 16, WaitReplicas: 1, WaitTimeout: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		alerts := callback(s)
		if _, err := s.Fire(context.Background(), time.Now(), alerts); !isUnavailable(err) {
			t.Fatalf("Fire: %v, want unavailable", err)
		}
	})
}

// A threshold that waits for recovery keeps each member's detail at its
// latest counted event, the usual one once and a member's own only where it
// differs, and counts among the dropped those who came back.
func TestThresholdWaitMemberDetails(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		t0 := time.Now()
		at := func(user string, sec int, role, reason string) alert.Alert {
			a := drop(user, t0.Add(time.Duration(sec)*time.Second), 3, 0)
			a.For, a.MemberRole, a.MemberReason = 20*time.Second, role, reason
			return a
		}
		back := at("viewer1", 6, "", "")
		back.Op = alert.OpRecover
		for i, st := range []struct {
			a    alert.Alert
			want alert.Verdict
		}{
			{at("anchor", 0, "Anchor", "Timeout"), alert.VerdictCounted}, // the usual detail: the first
			{at("viewer1", 1, "Audience", "Timeout"), alert.VerdictCounted},
			{at("viewer2", 2, "Audience", "Timeout"), alert.VerdictPending},
			{at("viewer3", 3, "Audience", "Force-closed"), alert.VerdictPending},
			{at("viewer3", 4, "Anchor", "Timeout"), alert.VerdictPending}, // back to the usual one
			{at("viewer2", 4, "Anchor", "Timeout"), alert.VerdictPending}, // the usual one now
			{at("nameless", 5, "", ""), alert.VerdictPending},
			{at("viewer2", 3, "Audience", "Timeout"), alert.VerdictDuplicate}, // older than what is known
			{back, alert.VerdictCleared},
		} {
			if v, err := s.Fire(ctx, t0.Add(time.Duration(i)*time.Second), []alert.Alert{st.a}); err != nil || v[0] != st.want {
				t.Fatalf("step %d (%s): %v, %v; want %s", i, st.a.Member, v, err, st.want)
			}
		}
		page := tickedPage(t, s, t0.Add(time.Minute))
		want := []alert.Member{{Name: "anchor", Events: 1, Role: "Anchor", Reason: "Timeout"}, {Name: "nameless", Events: 1},
			{Name: "viewer2", Events: 1, Role: "Anchor", Reason: "Timeout"}, {Name: "viewer3", Events: 1, Role: "Anchor", Reason: "Timeout"}}
		if !slices.Equal(page.Members, want) {
			t.Errorf("members %+v\nwant %+v", page.Members, want)
		}
		if w := page.Why; w == nil || w.Dropped != 5 || w.Away != 4 {
			t.Errorf("why %+v: want 5 dropped, 4 away", w)
		}
	})
}

// A wait opened by a hook from before, which kept every member counted in
// a sorted set with its detail, pages with those details and numbers.
func TestThresholdWaitReadsDroppedOfBefore(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		t0 := time.Now()
		for i, u := range users(3) {
			a := drop(u, t0.Add(time.Duration(i)*time.Second), 3, 0)
			a.For = 20 * time.Second
			if _, err := s.Fire(ctx, t0, []alert.Alert{a}); err != nil {
				t.Fatal(err)
			}
		}
		// The wait as that hook kept it: its op names k.drop, a sorted set.
		ks := s.parts[s.layout.PartitionOf(testApp, "8489")].keys
		pend := pendingKey(ks, "outage", testApp+"/8489")
		raw := rdb.HGet(ctx, pend, "op").Val()
		key := ks.Key("drop", "outage", testApp+"/8489")
		if old := strings.Replace(raw, `"drops":"`+droppedKey(ks, "outage", testApp+"/8489")+`"`, `"drop":"`+key+`"`, 1); old == raw {
			t.Fatalf("op %s names no drops key", raw)
		} else {
			rdb.HSet(ctx, pend, "op", old)
		}
		ms := float64(t0.UnixMilli())
		rdb.ZAdd(ctx, key, redis.Z{Score: ms, Member: "Anchor\x1fTimeout\nu1"}, redis.Z{Score: ms + 1000, Member: "u2"},
			redis.Z{Score: ms + 2000, Member: "Audience\x1fTimeout\nu3"}, redis.Z{Score: ms + 2000, Member: "Audience\x1fTimeout\nu4"})
		page := tickedPage(t, s, t0.Add(time.Minute))
		want := []alert.Member{{Name: "u1", Events: 1, Role: "Anchor", Reason: "Timeout"}, {Name: "u2", Events: 1},
			{Name: "u3", Events: 1, Role: "Audience", Reason: "Timeout"}}
		if !slices.Equal(page.Members, want) {
			t.Errorf("members %+v\nwant %+v", page.Members, want)
		}
		if w := page.Why; w == nil || w.Dropped != 4 || w.Away != 3 {
			t.Errorf("why %+v: want 4 dropped, 3 away", w)
		}
	})
}
