package population

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

// maxBytesPerUser is the bound the package documentation promises room: the
// measured figures are well under it.
const maxBytesPerUser = 200

// TestMemoryPerPresentUser fills a real redis-server through the script, as
// the writer would (pipelined batches), and measures what the population
// costs per present user with MEMORY USAGE of every population key (the
// rooms, the rooms index and the app counts), checked against INFO's
// used_memory: a 100,000-user room, a 1,000,000-user app in rooms of 50
// over 16 partitions, and 100,000 users in calls of two.
func TestMemoryPerPresentUser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test fills a million users into a redis-server (CI runs it)")
	}
	rdb := redistest.Start(t)
	ctx := context.Background()
	layout, err := keyspace.NewLayout("hook", 16)
	if err != nil {
		t.Fatal(err)
	}
	tr := New(rdb, layout, Options{Now: func() time.Time { return t0 }})
	tests := []struct {
		name           string
		app            string
		rooms, perRoom int
	}{
		{"one room of 100k", "1400000001", 1, 100_000},
		{"an app of 1M in rooms of 50", "1400000002", 20_000, 50},
		{"100k in calls of two", "1400000003", 50_000, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := usedMemory(t, rdb)
			start := time.Now()
			fill(t, tr, tt.app, tt.rooms, tt.perRoom)
			filled := time.Since(start)
			users := tt.rooms * tt.perRoom
			if err := tr.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if got := tr.AppPresent(tt.app); got != users {
				t.Fatalf("AppPresent = %d, want %d", got, users)
			}
			keys := keysOf(t, rdb, layout, tt.app)
			bytes := memoryUsage(t, rdb, keys)
			// The rooms index and the app counts (Redis holds this app alone).
			shared := memoryUsage(t, rdb, sharedKeys(layout))
			perUser := float64(bytes+shared) / float64(users)
			used := usedMemory(t, rdb) - before
			t.Logf("%d users in %d rooms: MEMORY USAGE %d bytes (+ %d shared index and counts) = %.1f bytes per present user; used_memory grew %d (%.1f per user); filled in %v",
				users, tt.rooms, bytes, shared, perUser, used, float64(used)/float64(users), filled.Round(time.Millisecond))
			if perUser > maxBytesPerUser {
				t.Errorf("%.1f bytes per present user, want at most %d", perUser, maxBytesPerUser)
			}
			if float64(used)/float64(users) > maxBytesPerUser {
				t.Errorf("used_memory grew %.1f bytes per present user, want at most %d", float64(used)/float64(users), maxBytesPerUser)
			}
			// Emptied again for the next case: measured alone.
			if err := rdb.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// fill enters users users_per_room users into each of rooms rooms of app,
// through the script, in pipelines of ~20,000 ops.
func fill(t *testing.T, tr *Tracker, app string, rooms, perRoom int) {
	t.Helper()
	ctx := context.Background()
	const pipelineOps = 20_000
	ops := make([]op, 0, pipelineOps)
	send := func() {
		_, errs := tr.run(ctx, tr.calls(ops, t0))
		if err := joined(errs, len(errs)); err != nil {
			t.Fatal(err)
		}
		ops = ops[:0]
	}
	ms := t0.UnixMilli()
	for r := range rooms {
		room := strconv.Itoa(1_000_000 + r)
		for u := range perRoom {
			ops = append(ops, op{kind: 'e', app: app, room: room, roomKey: room, user: fmt.Sprintf("user_%08d", r*perRoom+u),
				ms: ms, role: 21, term: 2, utype: 3})
			if len(ops) == pipelineOps {
				send()
			}
		}
	}
	if len(ops) > 0 {
		send()
	}
}

// keysOf lists the room keys of app in every partition.
func keysOf(t *testing.T, rdb *redis.Client, layout keyspace.Layout, app string) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	for i := range layout.Partitions() {
		prefix := Key(layout.Partition(i), app, "")
		iter := rdb.Scan(ctx, 0, strings.ReplaceAll(prefix, "{", `\{`)+"*", 10_000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func sharedKeys(layout keyspace.Layout) []string {
	var keys []string
	for i := range layout.Partitions() {
		ks := layout.Partition(i)
		keys = append(keys, roomsKey(ks), appsKey(ks))
	}
	return keys
}

// memoryUsage sums MEMORY USAGE (exact: SAMPLES 0) over keys.
func memoryUsage(t *testing.T, rdb *redis.Client, keys []string) int64 {
	t.Helper()
	ctx := context.Background()
	cmds := make([]*redis.IntCmd, len(keys))
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.MemoryUsage(ctx, k, 0)
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	var sum int64
	for _, c := range cmds {
		sum += c.Val()
	}
	return sum
}

func usedMemory(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("INFO memory has no used_memory")
	return 0
}
