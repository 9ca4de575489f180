package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/store"
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
		layout, err := store.NewLayout(keyPrefix, defaultPartitions)
		if err != nil {
			t.Fatal(err)
		}
		room := layout.Partition(layout.PartitionOf(app, "8489")).Population(app, "8489")
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
