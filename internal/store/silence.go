package store

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

// addSilenceScript stores a silence, dropping expired ones.
// KEYS: silences, ends, muted. ARGV: id, json, ends ms, now ms.
var addSilenceScript = redis.NewScript(`
local now = tonumber(ARGV[4])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[3], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
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

func (s *Redis) silenceKeys() []string {
	byID, ends, muted := s.keys.Silences()
	return []string{byID, ends, muted}
}

// AddSilence gives sil an id and a start time, and stores it until
// sil.EndsAt. It stores what it is given: silences are checked once, by
// alert.NewSilence and the rules, before they get here.
func (s *Redis) AddSilence(ctx context.Context, sil alert.Silence, now time.Time) (alert.Silence, error) {
	sil.ID = strings.ToLower(rand.Text()[:12])
	sil.StartsAt = now.UTC()
	sil.EndsAt = sil.EndsAt.UTC()
	sil.Muted = 0
	b, err := json.Marshal(sil)
	if err != nil {
		return alert.Silence{}, fmt.Errorf("encode silence: %w", err)
	}
	err = addSilenceScript.Run(ctx, s.rdb, s.silenceKeys(), sil.ID, b, sil.EndsAt.UnixMilli(), now.UnixMilli()).Err()
	if err != nil {
		return alert.Silence{}, fmt.Errorf("%w: add silence: %w", ErrUnavailable, err)
	}
	return sil, nil
}

// Silences implements alert.Silences: the silences in force at now, ending
// soonest first, each with how many alerts it muted.
func (s *Redis) Silences(ctx context.Context, now time.Time) ([]alert.Silence, error) {
	keys := s.silenceKeys()
	ids, err := s.rdb.ZRangeByScore(ctx, keys[1], &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: list silences: %w", ErrUnavailable, err)
	}
	if len(ids) == 0 {
		return []alert.Silence{}, nil
	}
	var raw, muted *redis.SliceCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		raw = p.HMGet(ctx, keys[0], ids...)
		muted = p.HMGet(ctx, keys[2], ids...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: list silences: %w", ErrUnavailable, err)
	}
	out := make([]alert.Silence, 0, len(ids))
	for i, v := range raw.Val() {
		str, ok := v.(string)
		if !ok {
			continue // expired between the two reads
		}
		var sil alert.Silence
		if err := json.Unmarshal([]byte(str), &sil); err != nil {
			return nil, fmt.Errorf("decode silence %s: %w", ids[i], err)
		}
		if m, ok := muted.Val()[i].(string); ok {
			sil.Muted, _ = strconv.ParseInt(m, 10, 64)
		}
		out = append(out, sil)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].EndsAt.Before(out[j].EndsAt) })
	return out, nil
}

// ExpireSilence implements alert.Silences: ends silence id now.
func (s *Redis) ExpireSilence(ctx context.Context, id string, now time.Time) error {
	n, err := expireSilenceScript.Run(ctx, s.rdb, s.silenceKeys(), id, now.UnixMilli()).Int()
	if err != nil {
		return fmt.Errorf("%w: expire silence: %w", ErrUnavailable, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %q (unknown or already expired)", alert.ErrSilenceNotFound, id)
	}
	return nil
}
