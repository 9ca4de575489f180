package silence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

// Every partition, and the single-slot layout beside them, holds a copy of
// every silence; the list shows each once, with the mutes of every copy
// added up; expiring ends every copy.
func TestSilenceCopies(t *testing.T) {
	for _, n := range []int{1, 4} {
		redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
			ctx := context.Background()
			l, err := keyspace.NewLayout("hook", n)
			if err != nil {
				t.Fatal(err)
			}
			s := New(rdb, l)
			now := time.Now()
			sil, err := s.AddSilence(ctx, alert.Silence{Matchers: map[string]string{"room": "8489"}, Author: "alice",
				EndsAt: now.Add(time.Hour)}, now)
			if err != nil || sil.ID == "" || !sil.StartsAt.Equal(now.UTC()) {
				t.Fatalf("%d partitions: add %+v, %v", n, sil, err)
			}
			for _, p := range l.Parts() {
				byID, _, muted := Keys(p.Keys)
				if !rdb.HExists(ctx, byID, sil.ID).Val() {
					t.Errorf("%d partitions: %s has no copy", n, p.Keys.Tag())
				}
				rdb.HIncrBy(ctx, muted, sil.ID, 2) // as the fire script counts a mute
			}
			list, err := s.Silences(ctx, now)
			if err != nil || len(list) != 1 || list[0].ID != sil.ID || list[0].Muted != int64(2*n) {
				t.Fatalf("%d partitions: list %+v, %v; want the silence once, muted %d", n, list, err, 2*n)
			}
			if err := s.ExpireSilence(ctx, sil.ID, now); err != nil {
				t.Fatal(err)
			}
			if list, _ := s.Silences(ctx, now); len(list) != 0 {
				t.Errorf("%d partitions: expired, still listed: %+v", n, list)
			}
			if err := s.ExpireSilence(ctx, sil.ID, now); !errors.Is(err, alert.ErrSilenceNotFound) {
				t.Errorf("%d partitions: expire twice: %v, want not found", n, err)
			}
		})
	}
}
