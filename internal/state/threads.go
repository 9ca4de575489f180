package state

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	slacknotify "github.com/hookdev/hook/internal/notify/slack"
)

// Threads remembers the Slack thread of each incident in Redis, so every
// replica replies under the same parent. It implements slack.ThreadStore.
//
// Each incident is one hash {<prefix>}:thread:<incident> with fields ts,
// channel and pages. The braces make the prefix a Redis Cluster hash tag, so
// all of hook's keys land on one slot alongside the outbox.
type Threads struct {
	rdb  redis.UniversalClient
	keys Keyspace
}

// NewThreads returns a thread store using keys under prefix.
func NewThreads(rdb redis.UniversalClient, prefix string) *Threads {
	return &Threads{rdb: rdb, keys: NewKeyspace(prefix)}
}

func (t *Threads) key(incident string) string { return t.keys.Thread(incident) }

// Thread returns the parent message of incident's thread. A hash without ts or
// channel (AddPage racing an expiry) counts as no thread.
func (t *Threads) Thread(ctx context.Context, incident string) (ts, channel string, ok bool, err error) {
	vals, err := t.rdb.HMGet(ctx, t.key(incident), "ts", "channel").Result()
	if errors.Is(err, redis.Nil) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("thread %s: %w", incident, err)
	}
	ts, _ = vals[0].(string)
	channel, _ = vals[1].(string)
	if ts == "" || channel == "" {
		return "", "", false, nil
	}
	return ts, channel, true, nil
}

// SetThread records the parent of a new thread and counts it as the first
// page. Replicas do not race here: ClaimParent let only one of them post the
// parent (if its claim lapsed mid-send, the last writer wins, which is harmless).
func (t *Threads) SetThread(ctx context.Context, incident, channel, ts string, ttl time.Duration) error {
	key := t.key(incident)
	_, err := t.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key) // drop a stale page count left by an expired thread
		p.HSet(ctx, key, "ts", ts, "channel", channel, "pages", 1)
		p.PExpire(ctx, key, orDefault(ttl))
		return nil
	})
	if err != nil {
		return fmt.Errorf("set thread %s: %w", incident, err)
	}
	return nil
}

// claimParentScript: SET NX, or true anyway for the page that holds the claim.
var claimParentScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`)

// ClaimParent implements slack.ThreadStore: one page (owner) opens an
// incident's thread while hold lasts; its own retries keep the claim.
func (t *Threads) ClaimParent(ctx context.Context, incident, owner string, hold time.Duration) (bool, error) {
	n, err := claimParentScript.Run(ctx, t.rdb, []string{t.key(incident) + ":opening"}, owner, hold.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("claim thread parent %s: %w", incident, err)
	}
	return n == 1, nil
}

// releaseParentScript deletes the claim only if owner still holds it.
var releaseParentScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// ReleaseParent implements slack.ThreadStore.
func (t *Threads) ReleaseParent(ctx context.Context, incident, owner string) error {
	if err := releaseParentScript.Run(ctx, t.rdb, []string{t.key(incident) + ":opening"}, owner).Err(); err != nil {
		return fmt.Errorf("release thread parent %s: %w", incident, err)
	}
	return nil
}

// AddPage counts a page in incident's thread and pushes its expiry back, so an
// incident that keeps paging keeps its thread.
func (t *Threads) AddPage(ctx context.Context, incident string, ttl time.Duration) (int64, error) {
	key := t.key(incident)
	var n *redis.IntCmd
	_, err := t.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.HIncrBy(ctx, key, "pages", 1)
		p.PExpire(ctx, key, orDefault(ttl))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count thread page %s: %w", incident, err)
	}
	return n.Val(), nil
}

func orDefault(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return slacknotify.DefaultThreadTTL // when SetThread or AddPage is given no TTL
	}
	return ttl
}
