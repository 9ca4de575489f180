package outbox

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

// TestFollowUpIsScheduledOnceAndReleasedOnce: a page's follow-up is scheduled
// by the ack that removes the page (never by a second ack of the same entry),
// waits in the later set, and enters the outbox once when due, whichever
// replicas release, on miniredis and a real redis-server, with one partition
// and with several.
func TestFollowUpIsScheduledOnceAndReleasedOnce(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		for _, partitions := range []int{1, 4} {
			ctx := context.Background()
			prefix := "hook" + string(rune('0'+partitions))
			s := newOutbox(t, rdb, prefix, partitions)
			replica := newOutbox(t, rdb, prefix, partitions)
			now := time.Now().Truncate(time.Millisecond)
			page := alert.Notification{ID: "p-1", Kind: alert.KindFiring, Rule: "r", Incident: "1400000001/4321", CreatedAt: now,
				Event:    alert.Event{App: "1400000001", Room: "4321", RoomKey: "4321", User: "alice"},
				Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall", Mentions: []string{"<!here>"}}}
			body, _ := page.Marshal()
			part := s.layout.Partition(s.layout.PartitionOf("1400000001", "4321"))
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: Stream(part), Values: []any{"n", body}}).Err(); err != nil {
				t.Fatal(err)
			}
			// A read of several partitions may come back empty when the
			// machine is slow to answer within its block: read until the page
			// comes, or give up after a while.
			var got []alert.Delivery
			var err error
			for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && err == nil && time.Now().Before(deadline); {
				got, err = s.Read(ctx, "a", 10, 10*time.Millisecond)
			}
			if err != nil || len(got) != 1 {
				t.Fatalf("%d partitions: read %v, %v", partitions, got, err)
			}
			due := now.Add(5 * time.Minute)
			follow := got[0].Notification.FollowUp(due)
			for range 2 { // an ack retried after its answer was lost
				if err := s.AckDefer(ctx, got[0].ID, follow); err != nil {
					t.Fatal(err)
				}
			}
			if n, _ := s.Deferred(ctx); n != 1 {
				t.Fatalf("%d partitions: %d deferred, want 1", partitions, n)
			}
			if n, _ := s.Depth(ctx); n != 0 {
				t.Fatalf("%d partitions: the acknowledged page is still in the outbox (%d)", partitions, n)
			}
			if n, err := s.ReleaseDue(ctx, due.Add(-time.Millisecond), 10); err != nil || n != 0 {
				t.Fatalf("%d partitions: released %d before due (%v)", partitions, n, err)
			}
			// Two replicas release at once: one follow-up enters the outbox.
			var wg sync.WaitGroup
			var mu sync.Mutex
			moved := 0
			for _, st := range []*Outbox{s, replica, s, replica} {
				wg.Go(func() {
					n, err := st.ReleaseDue(ctx, due, 10)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					moved += n
					mu.Unlock()
				})
			}
			wg.Wait()
			if moved != 1 {
				t.Fatalf("%d partitions: released %d times, want once", partitions, moved)
			}
			if n, _ := s.Deferred(ctx); n != 0 {
				t.Errorf("%d partitions: %d still deferred", partitions, n)
			}
			got, err = replica.Read(ctx, "b", 10, 10*time.Millisecond)
			if err != nil || len(got) != 1 {
				t.Fatalf("%d partitions: read %v, %v; want the follow-up", partitions, got, err)
			}
			f := got[0].Notification
			if f.Kind != alert.KindFollowUp || f.PageID() != "p-1-oncall-followup" || !f.CreatedAt.Equal(due) ||
				f.Incident != page.Incident || f.Receiver.Channel != "#oncall" || len(f.Receiver.Mentions) != 0 || f.Event.User != "alice" {
				t.Errorf("%d partitions: follow-up %+v (page %s)", partitions, f, f.PageID())
			}
			if partitions > 1 && got[0].ID[:4] != keyspace.PartitionName(s.layout.PartitionOf("1400000001", "4321"))+":" {
				t.Errorf("follow-up %s is not in its page's partition", got[0].ID)
			}
			if ttl := rdb.PTTL(ctx, Later(part)).Val(); ttl <= 0 && rdb.Exists(ctx, Later(part)).Val() == 1 {
				t.Errorf("the later set has no TTL (%s)", ttl)
			}
		}
	})
}
