// Package silence keeps the silences in Redis.
//
// Silences live in a hash (id -> JSON) indexed by a sorted set of end times,
// both expiring with the last silence; fire.lua checks them in the same
// script that would page, so a silence is in force on every replica the
// moment it is stored, and ends exactly at its end time, with no cache to
// refresh. The muted counts sit in a third hash.
//
// A script touches one slot, and a silence may match rooms of any
// partition: so every partition holds a copy of every silence. Silences are
// few, small and written by humans, and every callback that would page reads
// them: writing P copies once is cheap, reading another slot on every
// callback is impossible. Each partition counts what its copy muted; the
// list adds the counts up. With several partitions the single-slot layout
// gets a copy too, for replicas of an older hook still running during a
// rolling upgrade (see Migrate).
package silence

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// Keys are a keyspace's silences by id, their end times, and their muted
// counts. The fire script (internal/state) is handed them to check and count
// mutes in the same step as it would page.
func Keys(ks keyspace.Keyspace) (byID, ends, muted string) {
	return ks.Key("silences"), ks.Key("silences", "ends"), ks.Key("silences", "muted")
}

func keyList(ks keyspace.Keyspace) []string {
	byID, ends, muted := Keys(ks)
	return []string{byID, ends, muted}
}

// Store keeps the silences of a layout, a copy in each of its parts. It is
// safe for concurrent use by any number of goroutines and replicas.
type Store struct {
	rdb    redis.UniversalClient
	layout keyspace.Layout
	// copies hold a copy of every silence: every partition, then (when
	// several) the single-slot layout.
	copies      []keyspace.Keyspace
	add, expire *redis.Script
}

var (
	//go:embed lua/add.lua
	luaAdd string
	//go:embed lua/expire.lua
	luaExpire string
)

// New returns the silences of layout on rdb.
func New(rdb redis.UniversalClient, layout keyspace.Layout) *Store {
	s := &Store{rdb: rdb, layout: layout, add: redis.NewScript(luaAdd), expire: redis.NewScript(luaExpire)}
	for _, p := range layout.Parts() {
		s.copies = append(s.copies, p.Keys)
	}
	return s
}

// AddSilence gives sil an id and a start time, and stores it until
// sil.EndsAt, in every partition. It stores what it is given: silences are
// checked once, by alert.NewSilence and the rules, before they get here.
func (s *Store) AddSilence(ctx context.Context, sil alert.Silence, now time.Time) (alert.Silence, error) {
	sil.ID = strings.ToLower(rand.Text()[:12])
	sil.StartsAt = now.UTC()
	sil.EndsAt = sil.EndsAt.UTC()
	sil.Muted = 0
	if err := s.storeSilence(ctx, sil, now, 0); err != nil {
		// Some partitions may have it: take it back from all, so no room
		// stays muted by a silence its author was told failed.
		_, _ = s.expireEverywhere(context.WithoutCancel(ctx), sil.ID, now)
		return alert.Silence{}, err
	}
	return sil, nil
}

// storeSilence writes sil into every copy, in one pipeline; muted seeds the
// first partition's count.
func (s *Store) storeSilence(ctx context.Context, sil alert.Silence, now time.Time, muted int64) error {
	b, err := json.Marshal(sil)
	if err != nil {
		return fmt.Errorf("encode silence: %w", err)
	}
	pipe := s.rdb.Pipeline()
	for i, ks := range s.copies {
		seed := muted
		if i > 0 {
			seed = 0
		}
		s.add.Eval(ctx, pipe, keyList(ks), sil.ID, b, sil.EndsAt.UnixMilli(), now.UnixMilli(), seed)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("%w: add silence: %w", alert.ErrStoreUnavailable, err)
	}
	return nil
}

// Silences implements alert.Silences: the silences in force at now, ending
// soonest first, each with how many alerts it muted in all partitions.
func (s *Store) Silences(ctx context.Context, now time.Time) ([]alert.Silence, error) {
	parts := s.copies[:s.layout.Partitions()] // the drained copy of the single-slot layout is not listed
	pipe := s.rdb.Pipeline()
	idCmds := make([]*redis.StringSliceCmd, len(parts))
	for i, p := range parts {
		_, ends, _ := Keys(p)
		idCmds[i] = pipe.ZRangeByScore(ctx, ends, &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now.UnixMilli(), 10), Max: "+inf"})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("%w: list silences: %w", alert.ErrStoreUnavailable, err)
	}
	type read struct{ raw, muted *redis.SliceCmd }
	reads := make([]read, len(parts))
	pipe = s.rdb.Pipeline()
	for i, p := range parts {
		if ids := idCmds[i].Val(); len(ids) > 0 {
			byID, _, muted := Keys(p)
			reads[i] = read{pipe.HMGet(ctx, byID, ids...), pipe.HMGet(ctx, muted, ids...)}
		}
	}
	if pipe.Len() == 0 {
		return []alert.Silence{}, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("%w: list silences: %w", alert.ErrStoreUnavailable, err)
	}
	byID := map[string]*alert.Silence{}
	var order []string
	for i, r := range reads {
		if r.raw == nil {
			continue
		}
		ids := idCmds[i].Val()
		for j, v := range r.raw.Val() {
			str, ok := v.(string)
			if !ok {
				continue // expired between the two reads
			}
			sil := byID[ids[j]]
			if sil == nil {
				sil = &alert.Silence{}
				if err := json.Unmarshal([]byte(str), sil); err != nil {
					return nil, fmt.Errorf("decode silence %s: %w", ids[j], err)
				}
				byID[ids[j]] = sil
				order = append(order, ids[j])
			}
			if m, ok := r.muted.Val()[j].(string); ok {
				n, _ := strconv.ParseInt(m, 10, 64)
				sil.Muted += n
			}
		}
	}
	out := make([]alert.Silence, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].EndsAt.Before(out[j].EndsAt) })
	return out, nil
}

// ExpireSilence implements alert.Silences: ends silence id now, in every partition.
func (s *Store) ExpireSilence(ctx context.Context, id string, now time.Time) error {
	n, err := s.expireEverywhere(ctx, id, now)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %q (unknown or already expired)", alert.ErrSilenceNotFound, id)
	}
	return nil
}

// expireEverywhere ends silence id in every copy and says in how many it
// was in force. The single-slot layout's copy goes too, or the next start's
// Migrate would bring the silence back.
func (s *Store) expireEverywhere(ctx context.Context, id string, now time.Time) (int64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, 0, len(s.copies))
	for _, ks := range s.copies {
		cmds = append(cmds, s.expire.Eval(ctx, pipe, keyList(ks), id, now.UnixMilli()))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("%w: expire silence: %w", alert.ErrStoreUnavailable, err)
	}
	var n int64
	for _, c := range cmds {
		v, _ := c.Int64()
		n += v
	}
	return n, nil
}
