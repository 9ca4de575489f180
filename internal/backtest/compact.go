package backtest

import (
	"context"
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// compactEvery is how many callbacks a replay handles between two
// compactions of its in-memory Redis.
const compactEvery = 100_000

// compact moves the replay to a fresh in-memory Redis holding the same keys,
// values and TTLs. miniredis remembers a version of every key it ever
// held, deleted or not (for WATCH): over millions of callbacks that is
// most of a replay's memory, and a fresh copy holds only the keys alive.
// What waits is written first, so the copy is the whole state.
func (r *replayer) compact(ctx context.Context) error {
	if err := r.flushFires(ctx); err != nil {
		return err
	}
	if err := r.flushPopulation(ctx); err != nil {
		return err
	}
	fresh := miniredis.NewMiniRedis()
	if err := fresh.Start(); err != nil {
		return fmt.Errorf("start in-memory redis: %w", err)
	}
	if err := copyKeys(r.mr, fresh); err != nil {
		fresh.Close()
		return err
	}
	r.close()
	r.use(fresh)
	return nil
}

// copyKeys copies every key of from (db 0) to to, with its TTL, through
// miniredis's own API: strings, hashes, sorted sets, sets, lists and
// streams (their entries; consumer groups are not copied: a replay has
// none).
func copyKeys(from, to *miniredis.Miniredis) error {
	for _, k := range from.Keys() {
		var err error
		switch t := from.Type(k); t {
		case "string":
			var v string
			if v, err = from.Get(k); err == nil {
				err = to.Set(k, v)
			}
		case "hash":
			var fields []string
			if fields, err = from.HKeys(k); err == nil {
				fv := make([]string, 0, 2*len(fields))
				for _, f := range fields {
					fv = append(fv, f, from.HGet(k, f))
				}
				to.HSet(k, fv...)
			}
		case "zset":
			var members []string
			if members, err = from.ZMembers(k); err == nil {
				for _, m := range members {
					var score float64
					if score, err = from.ZScore(k, m); err != nil {
						break
					}
					if _, err = to.ZAdd(k, score, m); err != nil {
						break
					}
				}
			}
		case "set":
			var members []string
			if members, err = from.Members(k); err == nil {
				_, err = to.SetAdd(k, members...)
			}
		case "list":
			var items []string
			if items, err = from.List(k); err == nil {
				_, err = to.Push(k, items...)
			}
		case "stream":
			var entries []miniredis.StreamEntry
			if entries, err = from.Stream(k); err == nil {
				for _, e := range entries {
					if _, err = to.XAdd(k, e.ID, e.Values); err != nil {
						break
					}
				}
			}
		default:
			err = fmt.Errorf("a key of type %s", t)
		}
		if err != nil {
			return fmt.Errorf("compact the replay's redis: %s: %w", k, err)
		}
		if ttl := from.TTL(k); ttl > 0 && to.Exists(k) {
			to.SetTTL(k, ttl)
		}
	}
	return nil
}
