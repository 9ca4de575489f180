package rehearsal_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/keyspace"
)

// manyRooms is a storm in each of rooms rooms at once: users users of every
// room time out within a few seconds, the rooms a little apart.
func manyRooms(rooms, users int) []callback.Event {
	var evs []callback.Event
	for u := range users {
		for r := range rooms {
			at := t0.Add(time.Duration(u)*500*time.Millisecond + time.Duration(r)*7*time.Millisecond)
			evs = append(evs, exitIn(fmt.Sprintf("r%02d", r), fmt.Sprintf("u%d", u), at))
		}
	}
	return evs
}

// A storm across 50 rooms is 50 room pages, each counting its own room's
// drops, and no per-user page; on the cluster the rooms' state lands on every
// master.
func TestStormAcrossFiftyRooms(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *scenario) {
		const rooms, users = 50, 6
		for _, ev := range manyRooms(rooms, users) {
			s.at(time.UnixMilli(ev.EventMs), ev)
		}
		s.advance(t0.Add(10 * time.Minute))
		if n := len(s.byRule("user-dropped")); n != 0 {
			t.Errorf("%d per-user pages while every room's storm inhibits them", n)
		}
		first, total := map[string]int{}, map[string]int{}
		for _, p := range s.byRule("room-timeout-storm") {
			if p.Kind == alert.KindFiring {
				first[p.Event.Room]++
			}
			total[p.Event.Room] += p.Count
		}
		for r := range rooms {
			room := fmt.Sprintf("r%02d", r)
			if first[room] != 1 || total[room] != users {
				t.Errorf("room %s: %d first pages counting %d drops in all, want 1 and %d", room, first[room], total[room], users)
			}
		}
		if cc, ok := s.rdb.(*redis.ClusterClient); ok {
			assertKeysOnEveryMaster(t, cc, s.rig.Store.Layout())
		}
	})
}

// assertKeysOnEveryMaster checks that every master holds hook keys, and says
// how the partitions spread.
func assertKeysOnEveryMaster(t *testing.T, cc *redis.ClusterClient, l keyspace.Layout) {
	t.Helper()
	ctx := context.Background()
	var (
		mu     sync.Mutex // ForEachMaster calls in parallel
		spread []string
	)
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		parts := 0
		for i := range l.Partitions() {
			tag := strings.Trim(l.Partition(i).Tag(), "{}")
			slot, err := m.ClusterKeySlot(ctx, tag).Result()
			if err != nil {
				return err
			}
			if c, err := m.ClusterCountKeysInSlot(ctx, int(slot)).Result(); err == nil && c > 0 {
				parts++ // a slot this master does not own counts 0 here
			}
		}
		mu.Lock()
		spread = append(spread, fmt.Sprintf("%s: %d keys, %d partitions", m.Options().Addr, n, parts))
		mu.Unlock()
		if n == 0 || parts == 0 {
			t.Errorf("master %s holds %d keys of %d partitions: the rooms did not spread", m.Options().Addr, n, parts)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("keys per master: %s", strings.Join(spread, "; "))
}

// A rule whose state does not name the room (here group_by: [app]) keeps it
// per partition: one group per partition the rooms fall in, each paging
// its own rooms' members. That is the price of one callback being one
// script in one slot; README (Redis Cluster) says so.
func TestStateWithoutTheRoomIsPerPartition(t *testing.T) {
	const src = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: app-drops
    match: {event: room.exit, reason: timeout}
    group_by: [app]
    group_wait: 10s
    group_interval: 1m
`
	rs := compileRules(t, "app.yaml", src)
	layout, _ := keyspace.NewLayout("hook", 16)
	// Two rooms in one partition, two in another.
	byPart := map[int][]string{}
	var rooms []string
	for r := 0; len(rooms) < 4; r++ {
		p := layout.PartitionOf(app, fmt.Sprint(r))
		if byPart[p] = append(byPart[p], fmt.Sprint(r)); len(byPart[p]) == 2 {
			rooms = append(rooms, byPart[p]...)
		}
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := newScenarioOf(t, b, rs)
			for i, room := range rooms {
				at := t0.Add(time.Duration(i) * time.Second)
				s.at(at, exitIn(room, "u"+room, at))
			}
			s.advance(t0.Add(5 * time.Minute))
			want := 1
			if b.partitions > 1 {
				want = 2
			}
			members := 0
			for _, p := range s.pages {
				members += p.MemberCount
			}
			if len(s.pages) != want || members != len(rooms) {
				t.Errorf("%d partitions: %d group pages naming %d users, want %d naming %d", b.partitions, len(s.pages), members, want, len(rooms))
			}
		})
	}
}
