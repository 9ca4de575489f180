package rehearsal_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/population"
)

// eachBackend runs f on every backend with the rules src, and checks that
// each pages exactly what the first paged (see forEachBackend).
func eachBackend(t *testing.T, src string, f func(t *testing.T, s *scenario)) {
	var want []string
	for i, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := newScenarioOf(t, b, compileRules(t, "relative.yaml", src))
			f(t, s)
			s.assertAllKeysExpire()
			got := digest(s.pages)
			if i == 0 {
				want = got
				return
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages differ from %s's:\n got: %s\nwant: %s", backends[0].name, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
			}
		})
	}
}

const rulesHead = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
`

// apps is an engine.AppPopulation with a fixed count per app.
type apps map[string]int

func (a apps) AppPresent(app string) int { return a[app] }

// An app-wide incident (a region's network, a bad SDK release) drops users
// of many rooms at once. Rooms live in different partitions, on different
// masters of a cluster; a threshold whose key names the app and not the
// room counts them all in one place and pages once for the app, whatever
// the backend.
func TestAppWideOutagePagesOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rule    string
		present int // the app's users present in other rooms
		pages   int
		why     alert.Why
	}{
		{"count", `threshold: {count: 5, within: 60s, per: "{{.App}}"}`, 0, 1, alert.Why{Need: 5, Within: time.Minute, Dropped: 5}},
		{"count, waiting for recovery", `
    threshold: {count: 5, within: 60s, per: "{{.App}}"}
    for: 20s
    clear: {event: room.enter}`, 0, 1,
			alert.Why{Need: 5, Within: time.Minute, For: 20 * time.Second, Dropped: 20, Away: 18}},
		{"a share of the app reached", `
    threshold: {count: 5, share: 50%, of: app, within: 60s, per: "{{.App}}"}
    for: 20s
    clear: {event: room.enter}`, 18, 1,
			alert.Why{Need: 5, Share: 0.5, Of: alert.OfApp, Within: time.Minute, For: 20 * time.Second, Dropped: 20, Away: 18, Population: 36}},
		{"a share of the app not reached", `
    threshold: {count: 5, share: 50%, of: app, within: 60s, per: "{{.App}}"}
    for: 20s
    clear: {event: room.enter}`, 19, 0, alert.Why{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachBackend(t, rulesHead+"  - name: app-outage\n    match: {event: room.exit, reason: timeout}\n    "+tc.rule+"\n", func(t *testing.T, s *scenario) {
				s.rig.Router.WithAppPopulation(apps{app: tc.present})
				for i := range 20 {
					at := t0.Add(time.Duration(i) * 500 * time.Millisecond)
					s.at(at, exitIn(fmt.Sprint("room-", i), fmt.Sprint("u", i), at))
				}
				back := t0.Add(15 * time.Second) // two come back
				s.at(back, enterIn("room-3", "u3", back), enterIn("room-7", "u7", back))
				s.advance(t0.Add(5 * time.Minute))
				pages := s.byRule("app-outage")
				if len(pages) != tc.pages {
					t.Fatalf("%d pages for the app, want %d", len(pages), tc.pages)
				}
				if tc.pages == 0 {
					return
				}
				p := pages[0]
				if p.Why == nil || *p.Why != tc.why {
					t.Errorf("why %+v, want %+v", p.Why, tc.why)
				}
				if p.Incident != app {
					t.Errorf("incident %q, want the app's", p.Incident)
				}
				for _, m := range p.Members {
					if m.Role != "Anchor" || m.Reason != "Timeout" {
						t.Errorf("member %+v, want role Anchor, reason Timeout", m)
					}
				}
			})
		})
	}
}

// relay is a relay-to-CDN status callback for task t1 of room 8489.
func relay(status int, at time.Time) callback.Event {
	return callback.Event{AppID: app, Group: 4, Type: 401, CallbackMs: at.UnixMilli(), EventMs: at.UnixMilli(),
		RoomID: room, RoomType: callback.Absent, TaskID: "t1", Role: callback.Absent, TerminalType: callback.Absent,
		UserType: callback.Absent, Reason: callback.Absent, Status: status, LeaveCode: callback.Absent}
}

const (
	relayRunning    = 2
	relayRecovering = 3
)

// episode is one relay blip as TRTC reports it: RECOVERING every 5 s for
// lasting, then RUNNING again.
func episode(start time.Time, lasting time.Duration) []callback.Event {
	var evs []callback.Event
	for d := time.Duration(0); d <= lasting; d += 5 * time.Second {
		evs = append(evs, relay(relayRecovering, start.Add(d)))
	}
	return append(evs, relay(relayRunning, start.Add(lasting+2*time.Second)))
}

// Relay flapping counts recovery episodes (RUNNING, then RECOVERING), never
// TRTC's repeats within one: one 15-second blip sends RECOVERING four
// times and pages nobody; three blips within ten minutes page once.
func TestRelayFlappingCountsEpisodes(t *testing.T) {
	const flapping = rulesHead + `  - name: relay-flapping
    match: {event: relay.cdn_status, relay_status: recovering}
    threshold:
      count: 3
      within: 10m
      per: "{{.App}}/{{.RoomKey}}/{{.Task}}"
      rearm: {event: relay.cdn_status, relay_status: running}
`
	for _, tc := range []struct {
		name     string
		episodes []time.Duration // when each blip starts
		pages    int
	}{
		{"one blip", []time.Duration{0}, 0},
		{"two blips", []time.Duration{0, 2 * time.Minute}, 0},
		{"three blips", []time.Duration{0, 2 * time.Minute, 4 * time.Minute}, 1},
		{"three blips, too far apart", []time.Duration{0, 6 * time.Minute, 12 * time.Minute}, 0},
		{"four blips", []time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachBackend(t, flapping, func(t *testing.T, s *scenario) {
				for _, start := range tc.episodes {
					for _, ev := range episode(t0.Add(start), 15*time.Second) {
						at := time.UnixMilli(ev.EventMs)
						s.at(at, ev)
					}
				}
				s.advance(t0.Add(20 * time.Minute))
				if got := len(s.byRule("relay-flapping")); got != tc.pages {
					t.Errorf("%d pages, want %d", got, tc.pages)
				}
			})
		})
	}
	// Without rearm, TRTC's repeats of one blip page on their own.
	eachBackend(t, strings.Replace(flapping, "      rearm: {event: relay.cdn_status, relay_status: running}\n", "", 1), func(t *testing.T, s *scenario) {
		for _, ev := range episode(t0, 15*time.Second) {
			s.at(time.UnixMilli(ev.EventMs), ev)
		}
		if got := len(s.byRule("relay-flapping")); got != 1 {
			t.Errorf("without rearm one blip paged %d times, want 1 (the repeats counted)", got)
		}
	})
}

// A room outage relative to the room pages when a share of the room's
// users is still away when its wait ends: 4 of 10 viewers dropping is
// churn, 6 of 10 an outage, and the page says so in numbers.
func TestRoomShareOutage(t *testing.T) {
	const outage = rulesHead + `  - name: room-outage
    match: {event: room.exit, reason: timeout}
    threshold: {count: 3, share: 50%, within: 40s}
    for: 20s
    clear: {event: room.enter}
`
	for _, tc := range []struct {
		drops, back int
		why         *alert.Why
	}{
		{4, 0, nil},
		{6, 0, &alert.Why{Need: 3, Share: 0.5, Of: alert.OfRoom, Within: 40 * time.Second, For: 20 * time.Second, Dropped: 6, Away: 6, Population: 10}},
		{7, 1, &alert.Why{Need: 3, Share: 0.5, Of: alert.OfRoom, Within: 40 * time.Second, For: 20 * time.Second, Dropped: 7, Away: 6, Population: 10}},
		{6, 2, nil},
	} {
		t.Run(fmt.Sprintf("%d dropped, %d back", tc.drops, tc.back), func(t *testing.T) {
			eachBackend(t, outage, func(t *testing.T, s *scenario) {
				pop := population.Key(s.rig.Store.Layout().Partition(s.rig.Store.Layout().PartitionOf(app, room)), app, room)
				for i := range 10 {
					s.rdb.HSet(s.ctx, pop, fmt.Sprint("v", i), "{}")
				}
				s.rdb.PExpire(s.ctx, pop, time.Hour) // the population writer's TTL
				for i := range tc.drops {
					at := t0.Add(time.Duration(i) * time.Second)
					s.rdb.HDel(s.ctx, pop, fmt.Sprint("v", i))
					s.at(at, exit(fmt.Sprint("v", i), at))
				}
				for i := range tc.back {
					at := t0.Add(10*time.Second + time.Duration(i)*time.Second)
					s.rdb.HSet(s.ctx, pop, fmt.Sprint("v", i), "{}")
					s.at(at, enter(fmt.Sprint("v", i), at))
				}
				s.advance(t0.Add(5 * time.Minute))
				pages := s.byRule("room-outage")
				if (len(pages) == 1) != (tc.why != nil) || len(pages) > 1 {
					t.Fatalf("%d pages, want one: %v", len(pages), tc.why != nil)
				}
				if tc.why != nil && (pages[0].Why == nil || *pages[0].Why != *tc.why) {
					t.Errorf("why %+v, want %+v", pages[0].Why, tc.why)
				}
			})
		})
	}
}
