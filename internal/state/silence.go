package state

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

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

// addSilenceScript stores a silence, dropping expired ones. KEYS: silences,
// ends, muted. ARGV: id, json, ends ms, now ms, muted so far (a silence
// copied from the single-slot layout keeps its count).
var addSilenceScript = redis.NewScript(`
local now = tonumber(ARGV[4])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[3], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if tonumber(ARGV[5]) > 0 then redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[5]) end
local last = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local ttl = string.format('%.0f', tonumber(last[2]) - now + 60000)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return 1
`)

// expireSilenceScript ends a silence now. ARGV: id, now ms. Returns 0 when
// there is no such active silence.
var expireSilenceScript = redis.NewScript(`
local ends = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not ends or tonumber(ends) <= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`)

func silenceKeys(ks Keyspace) []string {
	byID, ends, muted := ks.Silences()
	return []string{byID, ends, muted}
}

// AddSilence gives sil an id and a start time, and stores it until
// sil.EndsAt, in every partition. It stores what it is given: silences are
// checked once, by alert.NewSilence and the rules, before they get here.
func (s *Redis) AddSilence(ctx context.Context, sil alert.Silence, now time.Time) (alert.Silence, error) {
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

// silenceCopies are the keyspaces holding a copy of every silence: every
// partition, then the single-slot layout when it is not one of them.
func (s *Redis) silenceCopies() []Keyspace {
	out := make([]Keyspace, 0, len(s.parts))
	for _, p := range s.parts {
		out = append(out, p.keys)
	}
	return out
}

// storeSilence writes sil into every copy, in one pipeline; muted seeds the
// first partition's count.
func (s *Redis) storeSilence(ctx context.Context, sil alert.Silence, now time.Time, muted int64) error {
	b, err := json.Marshal(sil)
	if err != nil {
		return fmt.Errorf("encode silence: %w", err)
	}
	pipe := s.rdb.Pipeline()
	for i, ks := range s.silenceCopies() {
		seed := muted
		if i > 0 {
			seed = 0
		}
		addSilenceScript.Eval(ctx, pipe, silenceKeys(ks), sil.ID, b, sil.EndsAt.UnixMilli(), now.UnixMilli(), seed)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("%w: add silence: %w", ErrUnavailable, err)
	}
	return nil
}

// Silences implements alert.Silences: the silences in force at now, ending
// soonest first, each with how many alerts it muted in all partitions.
func (s *Redis) Silences(ctx context.Context, now time.Time) ([]alert.Silence, error) {
	parts := s.partitions()
	pipe := s.rdb.Pipeline()
	idCmds := make([]*redis.StringSliceCmd, len(parts))
	for i, p := range parts {
		_, ends, _ := p.keys.Silences()
		idCmds[i] = pipe.ZRangeByScore(ctx, ends, &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now.UnixMilli(), 10), Max: "+inf"})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("%w: list silences: %w", ErrUnavailable, err)
	}
	type read struct{ raw, muted *redis.SliceCmd }
	reads := make([]read, len(parts))
	pipe = s.rdb.Pipeline()
	for i, p := range parts {
		if ids := idCmds[i].Val(); len(ids) > 0 {
			byID, _, muted := p.keys.Silences()
			reads[i] = read{pipe.HMGet(ctx, byID, ids...), pipe.HMGet(ctx, muted, ids...)}
		}
	}
	if pipe.Len() == 0 {
		return []alert.Silence{}, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("%w: list silences: %w", ErrUnavailable, err)
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
func (s *Redis) ExpireSilence(ctx context.Context, id string, now time.Time) error {
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
func (s *Redis) expireEverywhere(ctx context.Context, id string, now time.Time) (int64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, 0, len(s.parts))
	for _, ks := range s.silenceCopies() {
		cmds = append(cmds, expireSilenceScript.Eval(ctx, pipe, silenceKeys(ks), id, now.UnixMilli()))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("%w: expire silence: %w", ErrUnavailable, err)
	}
	var n int64
	for _, c := range cmds {
		v, _ := c.Int64()
		n += v
	}
	return n, nil
}
