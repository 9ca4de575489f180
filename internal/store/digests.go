package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
)

// Flood digests (notify/flood.go) are recorded here: an index of digests by
// start time, and per digest a hash (receiver, channel, pages, since, until,
// the digest as last shown, its message) and the list of pages absorbed into
// it. A page leaves the outbox and joins its digest's list in one script.
const (
	// DigestTTL is how long a digest's record is kept after its last page.
	DigestTTL = 7 * 24 * time.Hour
	// MaxDigestPagesListed bounds the pages listed one by one per digest (the
	// first ones); the rest are counted only.
	MaxDigestPagesListed = 10000
	// MaxDigests bounds the index; the oldest digests drop out of it first.
	MaxDigests = 1000
)

// digestIDRE is what notify's digest ids look like; ids from the admin API
// are checked against it before they reach a key.
var digestIDRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// absorbScript moves pages from the outbox into a digest. A page is taken
// only if it is still pending for this consumer (another replica may have
// taken it over, and then it is theirs to deliver), and then it is
// acknowledged, deleted and listed in the same step: never in both the
// outbox and a digest, never in neither.
//
// KEYS: outbox, digest index, digest hash, digest page list.
// ARGV: group, consumer, digest id, now (ms), ttl (ms), max listed, max
// digests, receiver, channel, then (outbox id, page summary) pairs.
var absorbScript = redis.NewScript(`
local group, consumer, id, now, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local absorbed = {}
local listed = redis.call('LLEN', KEYS[4])
for i = 10, #ARGV, 2 do
  local oid = ARGV[i]
  if #redis.call('XPENDING', KEYS[1], group, oid, oid, 1, consumer) == 1 then
    redis.call('XACK', KEYS[1], group, oid)
    redis.call('XDEL', KEYS[1], oid)
    if listed < tonumber(ARGV[6]) then
      redis.call('RPUSH', KEYS[4], ARGV[i + 1])
      listed = listed + 1
    end
    absorbed[#absorbed + 1] = oid
  end
end
if #absorbed > 0 then
  redis.call('HINCRBY', KEYS[3], 'pages', #absorbed)
  redis.call('HSETNX', KEYS[3], 'since', now)
  redis.call('HSET', KEYS[3], 'until', now, 'receiver', ARGV[8], 'channel', ARGV[9])
  redis.call('PEXPIRE', KEYS[3], ttl)
  if listed > 0 then
    redis.call('PEXPIRE', KEYS[4], ttl)
  end
  redis.call('ZADD', KEYS[2], 'NX', now, id)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
  local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
  if extra > 0 then
    redis.call('ZPOPMIN', KEYS[2], extra)
  end
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return absorbed
`)

// digestedPage is a page's line in its digest's list.
type digestedPage struct {
	OutboxID   string `json:"outbox_id"`
	PageID     string `json:"page_id"`
	Kind       string `json:"kind,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Severity   string `json:"severity,omitempty"`
	App        string `json:"app,omitempty"`
	Room       string `json:"room,omitempty"`
	User       string `json:"user,omitempty"`
	Task       string `json:"task,omitempty"`
	CreatedAt  int64  `json:"created_at,omitempty"` // Unix ms
	DigestedAt int64  `json:"digested_at"`          // Unix ms
}

// Absorb implements notify.DigestStore.
func (s *Redis) Absorb(ctx context.Context, consumer string, n alert.Notification, dels []notify.Delivery) ([]string, error) {
	if !digestIDRE.MatchString(n.ID) {
		return nil, fmt.Errorf("digest id %q is not valid", n.ID)
	}
	if len(dels) == 0 {
		return nil, nil
	}
	now := time.Now().UnixMilli()
	args := []any{s.group, consumer, n.ID, now, DigestTTL.Milliseconds(), MaxDigestPagesListed, MaxDigests,
		n.Receiver.Name, n.Receiver.Channel}
	for _, d := range dels {
		p := d.Notification
		line, err := json.Marshal(digestedPage{OutboxID: d.ID, PageID: p.PageID(), Kind: string(p.Kind), Rule: p.Rule,
			Severity: string(p.Severity), App: p.Event.App, Room: p.Event.Room, User: p.Event.User, Task: p.Event.Task,
			CreatedAt: p.CreatedAt.UnixMilli(), DigestedAt: now})
		if err != nil {
			return nil, fmt.Errorf("encode digested page %s: %w", d.ID, err)
		}
		args = append(args, d.ID, line)
	}
	meta, pages := s.keys.Digest(n.ID)
	ids, err := absorbScript.Run(ctx, s.rdb, []string{s.OutboxKey(), s.keys.Digests(), meta, pages}, args...).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: absorb pages into digest %s: %w", ErrUnavailable, n.ID, err)
	}
	return ids, nil
}

// SaveDigest implements notify.DigestStore.
func (s *Redis) SaveDigest(ctx context.Context, n alert.Notification, message string) error {
	b, err := n.Marshal()
	if err != nil {
		return err
	}
	meta, _ := s.keys.Digest(n.ID)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, meta, "shown", b, "message", message)
	pipe.PExpire(ctx, meta, DigestTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("%w: save digest %s: %w", ErrUnavailable, n.ID, err)
	}
	return nil
}

// deadLetterDigestScript adds an undeliverable digest to the dead letters
// and marks its record, in one step.
var deadLetterDigestScript = redis.NewScript(`
redis.call('XADD', KEYS[1], '*', 'n', ARGV[1], 'reason', ARGV[2], 'failed_at', ARGV[3], 'digest', ARGV[4])
redis.call('PEXPIRE', KEYS[1], 30 * 24 * 3600 * 1000)
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'dead_lettered', ARGV[2])
end
return 1
`)

// DeadLetterDigest implements notify.DigestStore. The dead letter holds the
// whole digest, so retrying it (hook outbox retry) posts it again.
func (s *Redis) DeadLetterDigest(ctx context.Context, n alert.Notification, reason string) error {
	b, err := n.Marshal()
	if err != nil {
		return err
	}
	meta, _ := s.keys.Digest(n.ID)
	err = deadLetterDigestScript.Run(ctx, s.rdb, []string{s.DeadLetterKey(), meta},
		b, reason, strconv.FormatInt(time.Now().UnixMilli(), 10), n.ID).Err()
	if err != nil {
		return fmt.Errorf("%w: dead-letter digest %s: %w", ErrUnavailable, n.ID, err)
	}
	return nil
}

// DigestCount reports how many digests are indexed.
func (s *Redis) DigestCount(ctx context.Context) (int64, error) {
	n, err := s.rdb.ZCard(ctx, s.keys.Digests()).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: count digests: %w", ErrUnavailable, err)
	}
	return n, nil
}

// Digests lists up to limit digests, newest first.
func (s *Redis) Digests(ctx context.Context, limit int) ([]notify.DigestRecord, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.keys.Digests(), 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: list digests: %w", ErrUnavailable, err)
	}
	pipe := s.rdb.Pipeline()
	metas := make([]*redis.MapStringStringCmd, len(ids))
	listed := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		meta, pages := s.keys.Digest(id)
		metas[i], listed[i] = pipe.HGetAll(ctx, meta), pipe.LLen(ctx, pages)
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("%w: read digests: %w", ErrUnavailable, err)
		}
	}
	out := make([]notify.DigestRecord, 0, len(ids))
	for i, id := range ids {
		if len(metas[i].Val()) == 0 {
			continue // expired meanwhile
		}
		out = append(out, digestRecord(id, metas[i].Val(), listed[i].Val()))
	}
	return out, nil
}

// Digest returns one digest and up to limit of its pages, in the order
// they were absorbed.
func (s *Redis) Digest(ctx context.Context, id string, limit int) (notify.DigestRecord, []notify.DigestedPage, error) {
	if !digestIDRE.MatchString(id) {
		return notify.DigestRecord{}, nil, fmt.Errorf("%w: %q", notify.ErrDigestNotFound, id)
	}
	meta, pages := s.keys.Digest(id)
	pipe := s.rdb.Pipeline()
	m := pipe.HGetAll(ctx, meta)
	n := pipe.LLen(ctx, pages)
	lines := pipe.LRange(ctx, pages, 0, int64(limit)-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return notify.DigestRecord{}, nil, fmt.Errorf("%w: read digest %s: %w", ErrUnavailable, id, err)
	}
	if len(m.Val()) == 0 {
		return notify.DigestRecord{}, nil, fmt.Errorf("%w: %s", notify.ErrDigestNotFound, id)
	}
	out := make([]notify.DigestedPage, 0, len(lines.Val()))
	for _, l := range lines.Val() {
		var p digestedPage
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			return notify.DigestRecord{}, nil, fmt.Errorf("digest %s: page line %q: %w", id, l, err)
		}
		out = append(out, notify.DigestedPage{OutboxID: p.OutboxID, PageID: p.PageID, Kind: alert.Kind(p.Kind),
			Rule: p.Rule, Severity: alert.Severity(p.Severity), App: p.App, Room: p.Room, User: p.User, Task: p.Task,
			CreatedAt: unixMilli(p.CreatedAt), DigestedAt: unixMilli(p.DigestedAt)})
	}
	return digestRecord(id, m.Val(), n.Val()), out, nil
}

func digestRecord(id string, m map[string]string, listed int64) notify.DigestRecord {
	ms := func(k string) time.Time {
		v, _ := strconv.ParseInt(m[k], 10, 64)
		return unixMilli(v)
	}
	pages, _ := strconv.ParseInt(m["pages"], 10, 64)
	r := notify.DigestRecord{ID: id, Receiver: m["receiver"], Channel: m["channel"], Pages: pages, Listed: listed,
		Since: ms("since"), Until: ms("until"), Message: m["message"], DeadLettered: m["dead_lettered"]}
	if shown := m["shown"]; shown != "" {
		if n, err := alert.UnmarshalNotification([]byte(shown)); err == nil {
			r.Shown = &n
		}
	}
	return r
}

func unixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
