package rehearsal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/rehearsal"
)

// A threshold without group_by pages once when the room crosses it; the
// count dropping below and crossing again within the dedup window, by other
// users, is the same incident and pages nobody.
func TestThresholdPagesOncePerRoomWhileItFlaps(t *testing.T) {
	const src = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: room-drops
    match: {event: room.exit, reason: timeout}
    threshold: {count: 3, within: 60s}
`
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := newScenarioOf(t, b, compileRules(t, "flap.yaml", src))
			for i, user := range []string{"a", "b", "c"} { // crosses at c
				at := t0.Add(time.Duration(i) * time.Second)
				s.at(at, exit(user, at))
			}
			for i, user := range []string{"d", "e", "f"} { // the window has emptied; crosses again at f
				at := t0.Add(2*time.Minute + time.Duration(i)*time.Second)
				s.at(at, exit(user, at))
			}
			s.advance(t0.Add(5 * time.Minute))
			if got := len(s.byRule("room-drops")); got != 1 {
				t.Errorf("the room paged %d times within its dedup window, want 1", got)
			}
			s.assertAllKeysExpire()
		})
	}
}

// A threshold that waits for recovery counts who is still away when its
// wait ends: a room whose users all come back within the wait pages nobody,
// fewer than count still away pages nobody, and a real outage pages once,
// listing who is away.
func TestThresholdWaitsForRecovery(t *testing.T) {
	const src = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: room-storm
    match: {event: room.exit, reason: timeout}
    threshold: {count: 3, within: 60s}
    for: 30s
    clear: {event: room.enter}
`
	type step struct {
		at    time.Duration
		enter bool
		user  string
	}
	for _, tc := range []struct {
		name    string
		steps   []step
		pages   int
		members string // who the page lists
	}{
		{"all come back", []step{{0, false, "a"}, {time.Second, false, "b"}, {2 * time.Second, false, "c"},
			{10 * time.Second, true, "a"}, {12 * time.Second, true, "b"}, {14 * time.Second, true, "c"}}, 0, ""},
		{"only two stay away", []step{{0, false, "a"}, {time.Second, false, "b"}, {2 * time.Second, false, "c"},
			{20 * time.Second, true, "b"}}, 0, ""},
		{"a real outage", []step{{0, false, "a"}, {time.Second, false, "b"}, {2 * time.Second, false, "c"},
			{3 * time.Second, false, "d"}, {5 * time.Second, true, "d"}, {40 * time.Second, false, "e"}}, 1, "a, b, c"},
		{"a return older than the drop does not count", []step{{0, false, "a"}, {time.Second, false, "b"},
			{2 * time.Second, false, "c"}, {3 * time.Second, true, "x"}}, 1, "a, b, c"},
	} {
		for _, b := range backends {
			t.Run(tc.name+"/"+b.name, func(t *testing.T) {
				rs := compileRules(t, "wait.yaml", src)
				rdb, mr := b.open(t)
				s := &scenario{t: t, ctx: context.Background(), rdb: rdb, mr: mr, rig: rehearsal.NewRig(rdb, mr, catalogtest.New(t), rs, t0)}
				for _, st := range tc.steps {
					at := t0.Add(st.at)
					if st.enter {
						s.at(at, enter(st.user, at))
					} else {
						s.at(at, exit(st.user, at))
					}
				}
				s.advance(t0.Add(5 * time.Minute))
				pages := s.byRule("room-storm")
				if len(pages) != tc.pages {
					t.Fatalf("%d pages, want %d", len(pages), tc.pages)
				}
				if tc.pages > 0 && words.Members(pages[0].Members, pages[0].MembersMore) != tc.members {
					t.Errorf("page lists %q, want %q", words.Members(pages[0].Members, pages[0].MembersMore), tc.members)
				}
				s.assertAllKeysExpire()
			})
		}
	}
}

// A threshold crossed by more users than an outbox entry lists (a room of
// thousands timing out) still pages once with all of them counted: the
// script lists at most state.GroupMemberCap, the page names 20 and counts
// the rest.
func TestThresholdOfManyUsersCountsThemAll(t *testing.T) {
	const src = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: room-storm
    match: {event: room.exit, reason: timeout}
    threshold: {count: 600, within: 10m}
`
	const users = 600
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := newScenarioOf(t, b, compileRules(t, "many.yaml", src))
			for i := range users {
				at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
				s.at(at, exit(fmt.Sprintf("u%03d", i), at))
			}
			s.advance(t0.Add(15 * time.Minute))
			pages := s.byRule("room-storm")
			if len(pages) != 1 {
				t.Fatalf("%d pages, want 1", len(pages))
			}
			p := pages[0]
			if p.MemberCount != users || len(p.Members) != 20 || len(p.Members)+p.MembersMore != users {
				t.Errorf("page counts %d members, lists %d and %d more; want %d, 20 and %d", p.MemberCount, len(p.Members), p.MembersMore, users, users-20)
			}
		})
	}
}
