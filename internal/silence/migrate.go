package silence

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// Legacy: removed in the next release (no release is tagged yet; grep
// "Legacy:" when tagging one), with keyspace.Layout.Parts' drained part.
//
// Migrate carries what a hook from before partitioning kept in its single
// slot ("{hook}:...") into the partitioned layout, at startup. Silences are
// copied into every partition (with their ids, ends and muted counts), so
// they keep muting; copying again is harmless, so every replica may run it
// at every start. Queued pages, timers and dead letters are not moved: the
// outbox keeps reading the old stream and the state store firing the
// old timers (see keyspace.Layout.Parts) until they are empty, so a page queued or a timer started by an
// old replica during a rolling upgrade still goes out, once. Dedup claims,
// threshold counts and groups start afresh in the partitions: an incident
// open across the upgrade may page once more.
//
// It returns how many silences it copied; with one partition there is
// nothing to migrate.
func (s *Store) Migrate(ctx context.Context, now time.Time) (int, error) {
	if s.layout.Partitions() == 1 {
		return 0, nil
	}
	byID, ends, muted := Keys(s.layout.Global())
	ids, err := s.rdb.ZRangeByScore(ctx, ends, &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: read silences of the single-slot layout: %w", alert.ErrStoreUnavailable, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	raw, err := s.rdb.HMGet(ctx, byID, ids...).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: read silences of the single-slot layout: %w", alert.ErrStoreUnavailable, err)
	}
	counts, err := s.rdb.HMGet(ctx, muted, ids...).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: read silences of the single-slot layout: %w", alert.ErrStoreUnavailable, err)
	}
	n := 0
	for i, v := range raw {
		str, ok := v.(string)
		if !ok {
			continue // expired between the reads
		}
		var sil alert.Silence
		if err := json.Unmarshal([]byte(str), &sil); err != nil {
			return n, fmt.Errorf("decode silence %s of the single-slot layout: %w", ids[i], err)
		}
		var m int64
		if c, ok := counts[i].(string); ok {
			m, _ = strconv.ParseInt(c, 10, 64)
		}
		sil.Muted = 0
		if err := s.storeSilence(ctx, sil, now, m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
