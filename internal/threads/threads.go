// Package threads keeps what replicas share of an incident's conversation
// in Slack: the thread its pages reply under (and who may open it), its
// acknowledgement, and the replay guard of Slack's requests
// (interactions.go). It implements slack.ThreadStore and what the handler's
// Slack actions declare; what those say is the consumers' (notify/slack,
// handler), so it imports no notifier.
package threads

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/keyspace"
)

// Store remembers the Slack thread of each incident in Redis, so every
// replica replies under the same parent, with the incident's
// acknowledgement and the replay guard. It implements slack.ThreadStore.
//
// Each incident is one hash {<prefix>}:thread:<incident> with fields ts,
// channel and pages. All its keys are in the global keyspace (one slot).
type Store struct {
	rdb        redis.UniversalClient
	keys       keyspace.Keyspace
	defaultTTL time.Duration
	claim      *redis.Script
	release    *redis.Script
}

var (
	//go:embed lua/claim_parent.lua
	luaClaimParent string
	//go:embed lua/release_parent.lua
	luaReleaseParent string
)

// New returns a thread store using keys under prefix. defaultTTL is how long
// a thread lives when SetThread or AddPage is given no TTL (the consumer's
// default: slack.DefaultThreadTTL).
func New(rdb redis.UniversalClient, prefix string, defaultTTL time.Duration) *Store {
	return &Store{rdb: rdb, keys: keyspace.New(prefix), defaultTTL: defaultTTL,
		claim: redis.NewScript(luaClaimParent), release: redis.NewScript(luaReleaseParent)}
}

// Thread is the Slack thread of an incident; parent is the claim of the
// page opening it.
func threadKey(ks keyspace.Keyspace, incident string) (thread, parent string) {
	k := ks.Key("thread", incident)
	return k, k + ":opening"
}

func (t *Store) key(incident string) string {
	k, _ := threadKey(t.keys, incident)
	return k
}

// Thread returns the parent message of incident's thread. A hash without ts or
// channel (AddPage racing an expiry) counts as no thread.
func (t *Store) Thread(ctx context.Context, incident string) (ts, channel string, ok bool, err error) {
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
func (t *Store) SetThread(ctx context.Context, incident, channel, ts string, ttl time.Duration) error {
	key := t.key(incident)
	_, err := t.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key) // drop a stale page count left by an expired thread
		p.HSet(ctx, key, "ts", ts, "channel", channel, "pages", 1)
		p.PExpire(ctx, key, t.orDefault(ttl))
		return nil
	})
	if err != nil {
		return fmt.Errorf("set thread %s: %w", incident, err)
	}
	return nil
}

// ClaimParent implements slack.ThreadStore: one page (owner) opens an
// incident's thread while hold lasts; its own retries keep the claim.
func (t *Store) ClaimParent(ctx context.Context, incident, owner string, hold time.Duration) (bool, error) {
	n, err := t.claim.Run(ctx, t.rdb, []string{t.parentKey(incident)}, owner, hold.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("claim thread parent %s: %w", incident, err)
	}
	return n == 1, nil
}

// ReleaseParent implements slack.ThreadStore.
func (t *Store) ReleaseParent(ctx context.Context, incident, owner string) error {
	if err := t.release.Run(ctx, t.rdb, []string{t.parentKey(incident)}, owner).Err(); err != nil {
		return fmt.Errorf("release thread parent %s: %w", incident, err)
	}
	return nil
}

// AddPage counts a page in incident's thread and pushes its expiry back, so an
// incident that keeps paging keeps its thread.
func (t *Store) AddPage(ctx context.Context, incident string, ttl time.Duration) (int64, error) {
	key := t.key(incident)
	var n *redis.IntCmd
	_, err := t.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.HIncrBy(ctx, key, "pages", 1)
		p.PExpire(ctx, key, t.orDefault(ttl))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count thread page %s: %w", incident, err)
	}
	return n.Val(), nil
}

func (t *Store) parentKey(incident string) string {
	_, k := threadKey(t.keys, incident)
	return k
}

func (t *Store) orDefault(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return t.defaultTTL // when SetThread or AddPage is given no TTL
	}
	return ttl
}
