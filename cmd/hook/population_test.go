package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/settings"
)

// serve feeds the room population from the room callbacks, and writes what
// it queued before it stops: on a real redis-server, where the test reads
// the room's key, and on the in-process Redis, where /metrics shows the
// writer at work.
func TestServeKeepsRoomPopulation(t *testing.T) {
	const key = "population-key"
	const app = "1400000001"
	enter := func(user string) []byte {
		return callbackBody(1, 103, map[string]any{"RoomId": 8489, "UserId": user, "Role": 21, "TerminalType": 2, "UserType": 3, "Reason": 1})
	}
	exit := func(user string) []byte {
		return callbackBody(1, 104, map[string]any{"RoomId": 8489, "UserId": user, "Role": 21, "Reason": 1})
	}
	send := func(t *testing.T, s *served, body []byte) {
		t.Helper()
		if got := post(t, s.url, app, key, body); got != http.StatusOK {
			t.Fatalf("callback: status %d", got)
		}
	}

	t.Run("redis-server", func(t *testing.T) {
		rdb := redistest.Start(t)
		s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": key, "HOOK_REDIS_URL": "redis://" + rdb.Options().Addr})
		layout, err := keyspace.NewLayout(keyPrefix, settings.DefaultPartitions)
		if err != nil {
			t.Fatal(err)
		}
		room := population.Key(layout.Partition(layout.PartitionOf(app, "8489")), app, "8489")
		send(t, s, enter("u1"))
		send(t, s, enter("u2"))
		send(t, s, exit("u1"))
		// A guard against a hang, not a timing assertion: the writer flushes
		// every few milliseconds.
		waitFor(t, 10*time.Second, "u2 alone in the room", func() bool {
			users, _ := rdb.HKeys(context.Background(), room).Result()
			return len(users) == 1 && users[0] == "u2"
		})
		// Queued, then the server stops: Close writes it.
		send(t, s, enter("u3"))
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
		if ok, err := rdb.HExists(context.Background(), room, "u3").Result(); err != nil || !ok {
			t.Errorf("u3's entry, answered before the stop, was not written: %v %v", ok, err)
		}
	})

	t.Run("in-process", func(t *testing.T) {
		s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": key})
		send(t, s, enter("u1"))
		send(t, s, enter("")) // no user: not the population's, and counted
		_, text := get(t, s.url+"/metrics")
		if got := metricValue(text, "hook_population_dropped_total", `reason="invalid"`); got != 1 {
			t.Errorf("hook_population_dropped_total{reason=invalid} = %v, want 1", got)
		}
		if got := metricValue(text, "hook_population_dropped_total", `reason="queue_full"`); got != 0 {
			t.Errorf("hook_population_dropped_total{reason=queue_full} = %v, want 0", got)
		}
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// serve gives the engine each app's present users (WithAppPopulation): the
// example rules' call-app-incident needs a quarter of the call app's users,
// at least 10, still away 20 s later. With 60 users in calls, 10 drops are
// not enough, and the page, when it comes, counts the app's users as they
// are when its wait ends; without the population it would say "10 of 10".
func TestServeAppPopulationReachesThresholds(t *testing.T) {
	t.Parallel()
	const key = "app-population-key"
	var pop *population.Tracker
	s := startServeWith(t, map[string]string{"TRTC_CALLBACK_KEY": key}, &serveHooks{population: func(p *population.Tracker) { pop = p }})
	user := func(i int) (room int, id string) { return 9600 + i/4, fmt.Sprintf("caller%02d", i) }
	for i := range 60 {
		room, id := user(i)
		body := callbackBody(1, 103, map[string]any{"RoomId": room, "UserId": id, "Role": 20, "TerminalType": 3, "UserType": 3, "Reason": 1})
		if got := post(t, s.url, callApp, key, body); got != http.StatusOK {
			t.Fatalf("enter: status %d", got)
		}
	}
	// The app's count is read every few seconds: the drops below must find
	// the 60 users in it (the condition, not a guess at the refresh).
	waitFor(t, 20*time.Second, "60 users of the call app counted", func() bool { return pop.AppPresent(callApp) == 60 })
	for i := range 20 {
		room, id := user(4 * i % 60) // one of each call, first
		if i >= 15 {
			room, id = user(4*(i-15) + 1)
		}
		body := callbackBody(1, 104, map[string]any{"RoomId": room, "UserId": id, "Role": 20, "Reason": 2})
		if got := post(t, s.url, callApp, key, body); got != http.StatusOK {
			t.Fatalf("exit: status %d", got)
		}
	}
	waitFor(t, 60*time.Second, "the app's page", func() bool { return strings.Contains(s.stdout.String(), "why now:") })
	m := regexp.MustCompile(`why now: (\d+) of (\d+) users in the app dropped within 1m`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("no app-wide why-now line:\n%s", s.stdout.String())
	}
	dropped, of := atoi(t, m[1]), atoi(t, m[2])
	// of: the 40 present when the wait ended (the count, read every few
	// seconds, caught up with the drops long before) plus the 20 away.
	if of != 60 || dropped != 20 {
		t.Errorf("paged at %d of %d users: want the 20 dropped of the app's 60 users", dropped, of)
	}
	if n := strings.Count(s.stdout.String(), "callers dropping out of calls across the app"); n != 1 {
		t.Errorf("%d app pages, want 1", n)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
