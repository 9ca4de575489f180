package state

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

// TestScriptsTouchOnlyDeclaredKeys runs the fire script with an op that
// names a key it was not given in KEYS: it must refuse before writing
// anything, as Redis Cluster requires of scripts.
func TestScriptsTouchOnlyDeclaredKeys(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		b, n, k, err := encode(s.layout.Global(), plain("r", "r:x", "n1"))
		if err != nil {
			t.Fatal(err)
		}
		if k.Dedup != dedupKey(s.layout.Global(), "r:x") {
			t.Fatalf("op keys %+v", k)
		}
		args := fireCommand([]*fireCall{{fixed: s.parts[0].boxed, now: time.Now().UnixMilli(), ops: []any{b, n}}})
		err = runFireCommand(ctx, rdb, args).Err()
		if err == nil || !strings.Contains(err.Error(), "not passed in KEYS") {
			t.Fatalf("fire with an undeclared key: %v, want a refusal", err)
		}
		if n, _ := rdb.Exists(ctx, dedupKey(s.layout.Global(), "r:x")).Result(); n != 0 {
			t.Error("the refused script claimed the dedup key anyway")
		}
		if n, _ := s.Depth(ctx); n != 0 {
			t.Errorf("the refused script enqueued %d notifications", n)
		}
	})
}

// TestEveryKeyHasTheHashTag: every key of alert state starts with its
// keyspace's hash tag.
func TestEveryKeyHasTheHashTag(t *testing.T) {
	k := keyspace.New("hook")
	meta, fresh, all := groupKeys(k, "g")
	fixed := fixedKeys(k)
	for _, key := range append(fixed[:], dueKey(k), dedupKey(k, "d"), windowKey(k, "r", "s"), pendingKey(k, "r", "s"),
		clearedKey(k, "r", "s"), meta, fresh, all, inhibitKey(k, "m"), distinctKey(k, "r", "s"), droppedKey(k, "r", "s"),
		rearmKey(k, "r", "s"), populationKey(k, "a", "r"), populationKey(k, "1400000001", "s:r")) {
		if !strings.HasPrefix(key, "{hook}:") {
			t.Errorf("key %q lacks the hash tag", key)
		}
	}
}

// A timer is its kind's prefix then its subject, whatever the subject holds.
func TestTimerFormat(t *testing.T) {
	ks := keyspace.New("hook")
	for _, c := range []struct{ kind, subject string }{
		{timerPending, pendingKey(ks, "r", "1400000001/8489|u|1")},
		{timerWait, pendingKey(ks, "storm", "room")},
		{timerGroup, "rule:1400000001/8489"},
	} {
		member := timerMember(c.kind, c.subject)
		if kind, subject := parseTimer(member); kind != c.kind || subject != c.subject {
			t.Errorf("parseTimer(%q) = %q, %q; want %q, %q", member, kind, subject, c.kind, c.subject)
		}
	}
	if kind, subject := parseTimer("garbage"); kind != "" || subject != "garbage" {
		t.Errorf("parseTimer of a member without a kind: %q, %q", kind, subject)
	}
}
