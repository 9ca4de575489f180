package population

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

// On a three-master Redis Cluster the writer's one pipeline carries one
// script per partition to the master of its slot (the script loaded on
// each where it was missing), and the reads find every partition: rooms
// spread over 16 partitions, counted for the app exactly.
func TestOnRedisCluster(t *testing.T) {
	rdb, _ := redistest.StartCluster(t)
	ctx := context.Background()
	layout, err := keyspace.NewLayout("hook", 16)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now() // a real server's clock: departures expire by it
	tr := New(rdb, layout, Options{Now: func() time.Time { return now }})
	const rooms, users = 40, 5
	parts := map[int]bool{}
	for r := range rooms {
		room := fmt.Sprint(9000 + r)
		parts[layout.PartitionOf(app, room)] = true
		for u := range users {
			tr.Observe(at(enter(fmt.Sprint("u", u), int64(u)), room))
		}
		tr.Observe(at(leave("u0", 100), room))
	}
	if len(parts) < 8 {
		t.Fatalf("the rooms fell in %d partitions only: the test spreads too little", len(parts))
	}
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := tr.AppPresent(app), rooms*(users-1); got != want {
		t.Errorf("AppPresent = %d, want %d", got, want)
	}
	for r := range rooms {
		room := fmt.Sprint(9000 + r)
		if n, err := tr.RoomPresent(ctx, app, room); err != nil || n != users-1 {
			t.Fatalf("room %s: %d, %v; want %d", room, n, err, users-1)
		}
		m, ok, err := tr.Member(ctx, app, room, "u0")
		if err != nil || !ok || m.Present() || m.Terminal != 2 {
			t.Fatalf("Member(u0) in room %s: %+v, %v, %v; want the departure with the entry's terminal", room, m, ok, err)
		}
	}
	tr.Observe(at(dismiss(200), "9000"))
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := tr.AppPresent(app), (rooms-1)*(users-1); got != want {
		t.Errorf("AppPresent after a dismissal = %d, want %d", got, want)
	}
}
