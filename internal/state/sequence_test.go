package state

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// FireSequence decides each callback's alerts at its own time and after
// the ones before it, as Fire one after the other does: a page, its
// duplicate within the window, and a page again once the window passed.
func TestFireSequenceIsFireInOrder(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		t0 := time.Now()
		var seq []Prepared
		for _, c := range []struct {
			at     time.Duration
			alerts []alert.Alert
		}{
			{0, []alert.Alert{plain("r", "r:k", "p1", "oncall", "console")}},
			{10 * time.Second, []alert.Alert{plain("r", "r:k", "p2"), plain("s", "s:k", "p3")}},
			{2 * time.Minute, []alert.Alert{plain("r", "r:k", "p4")}},
			{2 * time.Minute, nil},
		} {
			p, err := s.Prepare(t0.Add(c.at), c.alerts)
			if err != nil {
				t.Fatal(err)
			}
			seq = append(seq, p)
		}
		got, err := s.FireSequence(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]alert.Verdict{{alert.VerdictPaged}, {alert.VerdictDuplicate, alert.VerdictPaged}, {alert.VerdictPaged}, {}}
		if len(got) != len(want) {
			t.Fatalf("verdicts %v, want %v", got, want)
		}
		for i := range want {
			if len(got[i]) != len(want[i]) {
				t.Fatalf("verdicts %v, want %v", got, want)
			}
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Errorf("callback %d alert %d: %s, want %s", i, j, got[i][j], want[i][j])
				}
			}
		}
		pages, err := s.Drain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range pages {
			ids = append(ids, p.ID+"@"+p.CreatedAt.Sub(t0.Truncate(time.Millisecond)).Round(time.Second).String())
		}
		if len(ids) != 4 || ids[0] != "p1@0s" || ids[2] != "p3@10s" || ids[3] != "p4@2m0s" {
			t.Errorf("outbox %v: want p1 twice (two receivers) at 0s, p3 at 10s, p4 at 2m", ids)
		}
	})
}
