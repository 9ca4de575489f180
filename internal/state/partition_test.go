package state

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/silence"
)

// roomsInPartitions returns one room per partition of s, in order.
func roomsInPartitions(s *wired) []string {
	rooms := make([]string, s.layout.Partitions())
	found := 0
	for r := 0; found < len(rooms); r++ {
		p := s.layout.PartitionOf("app", fmt.Sprint(r))
		if rooms[p] == "" {
			rooms[p] = fmt.Sprint(r)
			found++
		}
	}
	return rooms
}

// about is a page alert about room (its dedup key and notification id are id).
func about(room, id string) alert.Alert {
	a := plain("r", id, id)
	a.Notification.Event = alert.Event{App: "app", Room: room}
	return a
}

// pendingAbout is about made a for: 30s alert on user u1 of room, from an
// event at now.
func pendingAbout(room, id string, now time.Time) alert.Alert {
	a := about(room, id)
	a.Op, a.StateKey, a.For, a.EventMs = alert.OpPending, "app/"+room+"/u1", 30*time.Second, now.UnixMilli()
	return a
}

func partitioned(t *testing.T, rdb redis.UniversalClient, n int) *wired {
	t.Helper()
	s, err := wireNew(rdb, "hook", Options{Partitions: n})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPartitionedOutbox(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := partitioned(t, rdb, 4)
		rooms := roomsInPartitions(s)
		for i, room := range rooms {
			for j := range 2 {
				if _, err := s.Fire(ctx, time.Now(), []alert.Alert{about(room, fmt.Sprintf("%d-%d", i, j))}); err != nil {
					t.Fatal(err)
				}
			}
			key := outbox.Stream(s.layout.Partition(i))
			if n := rdb.XLen(ctx, key).Val(); n != 2 {
				t.Fatalf("partition %d's outbox %s holds %d pages, want its room's 2", i, key, n)
			}
		}
		if n, _ := s.Depth(ctx); n != 8 {
			t.Fatalf("depth %d, want 8", n)
		}
		// A read never takes more than asked for, whatever the number of
		// streams. (A stream read for the first time gets its consumer
		// group, and its entries at the next read.)
		var got []string
		byID := map[string]string{}
		for i := 0; len(got) < 8 && i < 20; i++ {
			count := []int{3, 1, 10}[i%3]
			batch, err := s.Read(ctx, "w", count, 5*time.Millisecond)
			if err != nil || len(batch) > count {
				t.Fatalf("Read(%d) = %d entries, %v", count, len(batch), err)
			}
			for _, d := range batch {
				got = append(got, d.Notification.ID)
				byID[d.Notification.ID] = d.ID
				if !strings.HasPrefix(d.ID, "p0") {
					t.Errorf("outbox id %q does not name its partition", d.ID)
				}
			}
		}
		if len(got) != 8 {
			t.Fatalf("read %d pages in all, want 8: %v", len(got), got)
		}
		// Within a partition (a room), the outbox order holds.
		for i := range rooms {
			a, b := slices.Index(got, fmt.Sprintf("%d-0", i)), slices.Index(got, fmt.Sprintf("%d-1", i))
			if a > b {
				t.Errorf("room %s's pages read out of order: %v", rooms[i], got)
			}
		}
		if err := s.Ack(ctx, byID["0-0"]); err != nil {
			t.Fatal(err)
		}
		if err := s.DeadLetter(ctx, alert.Delivery{ID: byID["1-0"], Notification: alert.Notification{ID: "1-0"}}, "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Touch(ctx, "w", byID["2-0"], byID["3-1"], "bogus", "p99:1-0"); err != nil {
			t.Fatal(err)
		}
		st, err := s.OutboxStats(ctx, time.Now())
		if err != nil || st.Depth != 6 || st.Pending != 6 || st.DeadLetters != 1 {
			t.Fatalf("stats = %+v, %v; want 6 waiting, 6 pending, 1 dead letter", st, err)
		}
		dls, err := s.DeadLetters(ctx, 10)
		if err != nil || len(dls) != 1 || !strings.HasPrefix(dls[0].ID, "p01:") || dls[0].OutboxID != byID["1-0"] {
			t.Fatalf("dead letters = %+v, %v", dls, err)
		}
		retried, err := s.RetryDeadLetter(ctx, dls[0].ID, time.Now())
		if err != nil || !strings.HasPrefix(retried, "p01:") {
			t.Fatalf("retry = %q, %v; want a new id in partition p01", retried, err)
		}
		for _, bad := range []string{"p01", "p99:1-0", "p01:x", "x:1-0"} {
			if err := s.DropDeadLetter(ctx, bad); !errors.Is(err, alert.ErrDeadLetterNotFound) {
				t.Errorf("drop %q: %v, want not found", bad, err)
			}
		}
		own, err := s.Pending(ctx, "w", 100)
		if err != nil || len(own) != 6 {
			t.Fatalf("pending for w = %d, %v; want 6", len(own), err)
		}
		time.Sleep(20 * time.Millisecond)
		taken, err := s.Reclaim(ctx, "x", 10*time.Millisecond, 4)
		if err != nil || len(taken) != 4 {
			t.Fatalf("reclaim 4 = %d, %v", len(taken), err)
		}
	})
}

func TestFireNeedsOneRoom(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		s := partitioned(t, rdb, 4)
		rooms := roomsInPartitions(s)
		_, err := s.Fire(context.Background(), time.Now(), []alert.Alert{about(rooms[0], "a"), about(rooms[1], "b")})
		if err == nil || !strings.Contains(err.Error(), "one call is one room") {
			t.Fatalf("Fire with two rooms: %v", err)
		}
	})
}

func TestSilenceInEveryPartition(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := partitioned(t, rdb, 4)
		now := time.Now()
		sil, err := s.AddSilence(ctx, alert.Silence{Matchers: map[string]string{"rule": "r"}, EndsAt: now.Add(time.Hour)}, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range s.parts {
			byID, _, _ := silence.Keys(p.keys)
			if !rdb.HExists(ctx, byID, sil.ID).Val() {
				t.Errorf("%s has no copy of the silence", byID)
			}
		}
		rooms := roomsInPartitions(s)
		for i, room := range rooms[:3] {
			a := about(room, fmt.Sprint(i))
			a.Labels = map[string]string{"rule": "r"}
			v, err := s.Fire(ctx, now, []alert.Alert{a})
			if err != nil || v[0] != alert.VerdictSilenced {
				t.Fatalf("fire in partition %d: %v, %v; want silenced", i, v, err)
			}
		}
		list, err := s.Silences(ctx, now)
		if err != nil || len(list) != 1 || list[0].Muted != 3 {
			t.Fatalf("silences = %+v, %v; want one that muted 3 (summed over partitions)", list, err)
		}
		if err := s.ExpireSilence(ctx, sil.ID, now); err != nil {
			t.Fatal(err)
		}
		for _, p := range s.parts {
			_, ends, _ := silence.Keys(p.keys)
			if rdb.ZScore(ctx, ends, sil.ID).Err() == nil {
				t.Errorf("%s still holds the expired silence", ends)
			}
		}
		if err := s.ExpireSilence(ctx, sil.ID, now); !errors.Is(err, alert.ErrSilenceNotFound) {
			t.Errorf("second expire: %v", err)
		}
	})
}

// WAIT is a real server's: miniredis has no replicas to wait for.
func TestWaitWithoutReplicasFails(t *testing.T) {
	for _, rdb := range []redis.UniversalClient{redistest.Start(t)} {
		s, err := wireNew(rdb, "hook", Options{Partitions: 2, WaitReplicas: 1, WaitTimeout: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Fire(context.Background(), time.Now(), []alert.Alert{about("r", "a")})
		if !isUnavailable(err) || !strings.Contains(err.Error(), "0 of 1 replicas") {
			t.Fatalf("Fire with WAIT 1 and no replica: %v, want unavailable, 0 of 1 replicas", err)
		}
	}
}
