package state

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// An upgrade from the single-slot layout: a hook of the old layout queued a
// page, opened a pending alert, dead-lettered a page and stored a silence;
// the new, partitioned hook on the same Redis delivers the page, fires the
// timer, lists and retries the dead letter, and keeps the silence. An old
// replica still running meanwhile (a rolling upgrade) is drained too.
func TestUpgradeFromTheSingleSlotLayout(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		now := time.Now()
		old := wire(New(rdb, "hook"))
		pend := pendingAbout("room-2", "pending", now)
		if v, err := old.Fire(ctx, now, []alert.Alert{pend}); err != nil || v[0] != alert.VerdictPending {
			t.Fatalf("old layout pending: %v, %v", v, err)
		}
		if _, err := old.Fire(ctx, now, []alert.Alert{about("room-3", "dead")}); err != nil {
			t.Fatal(err)
		}
		held, err := old.Read(ctx, "old", 10, time.Millisecond)
		if err != nil || len(held) != 1 {
			t.Fatalf("old layout read: %v, %v", held, err)
		}
		if err := old.DeadLetter(ctx, held[0], "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Fire(ctx, now, []alert.Alert{about("room-1", "queued")}); err != nil {
			t.Fatal(err)
		}
		sil, err := old.AddSilence(ctx, alert.Silence{Matchers: map[string]string{"room": "room-9"}, EndsAt: now.Add(time.Hour)}, now)
		if err != nil {
			t.Fatal(err)
		}

		s := partitioned(t, rdb, 16)
		if n, err := s.Migrate(ctx, now); err != nil || n != 1 {
			t.Fatalf("Migrate = %d, %v; want the 1 silence", n, err)
		}
		if n, err := s.Migrate(ctx, now); err != nil || n != 1 {
			t.Fatalf("second Migrate = %d, %v; copying again must be harmless", n, err)
		}
		muted := about("room-9", "muted")
		muted.Labels = map[string]string{"room": "room-9"}
		if v, err := s.Fire(ctx, now, []alert.Alert{muted}); err != nil || v[0] != alert.VerdictSilenced {
			t.Fatalf("fire in the silenced room after the upgrade: %v, %v", v, err)
		}
		list, err := s.Silences(ctx, now)
		if err != nil || len(list) != 1 || list[0].ID != sil.ID || list[0].Muted != 1 {
			t.Fatalf("silences after the upgrade: %+v, %v", list, err)
		}

		ids := func(ds []string) []string { slices.Sort(ds); return ds }
		read := func(want ...string) {
			t.Helper()
			var got []string
			for i := 0; len(got) < len(want) && i < 20; i++ {
				batch, err := s.Read(ctx, "new", 10, time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range batch {
					got = append(got, d.Notification.ID)
					if err := s.Ack(ctx, d.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !slices.Equal(ids(got), ids(want)) {
				t.Fatalf("read %v, want %v", got, want)
			}
		}
		read("queued")
		outs, err := s.Tick(ctx, now.Add(31*time.Second), 100)
		if err != nil || len(outs) != 1 || outs[0].Verdict != alert.VerdictPaged {
			t.Fatalf("tick of the old layout's timer: %+v, %v", outs, err)
		}
		read("pending")

		dls, err := s.DeadLetters(ctx, 10)
		if err != nil || len(dls) != 1 || dls[0].Notification.ID != "dead" {
			t.Fatalf("dead letters after the upgrade: %+v, %v", dls, err)
		}
		if _, err := s.RetryDeadLetter(ctx, dls[0].ID, now); err != nil {
			t.Fatal(err)
		}
		// An old replica still taking callbacks during the rolling upgrade.
		if _, err := old.Fire(ctx, now, []alert.Alert{about("room-4", "late")}); err != nil {
			t.Fatal(err)
		}
		read("dead", "late")
		if err := s.ExpireSilence(ctx, sil.ID, now); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Migrate(ctx, now); n != 0 {
			t.Errorf("an expired silence came back from the old layout at the next start")
		}
	})
}
