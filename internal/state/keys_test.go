package state

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// TestScriptsTouchOnlyDeclaredKeys runs the fire script with an op that
// names a key it was not given in KEYS: it must refuse before writing
// anything, as Redis Cluster requires of scripts.
func TestScriptsTouchOnlyDeclaredKeys(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := New(rdb, "hook")
		b, n, k, err := encode(s.layout.Global(), plain("r", "r:x", "n1"))
		if err != nil {
			t.Fatal(err)
		}
		if k.Dedup != s.layout.Global().Dedup("r:x") {
			t.Fatalf("op keys %+v", k)
		}
		args := fireCommand([]*fireCall{{fixed: s.layout.Global().boxed, now: time.Now().UnixMilli(), ops: []any{b, n}}})
		err = runFireCommand(ctx, rdb, args).Err()
		if err == nil || !strings.Contains(err.Error(), "not passed in KEYS") {
			t.Fatalf("fire with an undeclared key: %v, want a refusal", err)
		}
		if n, _ := rdb.Exists(ctx, s.layout.Global().Dedup("r:x")).Result(); n != 0 {
			t.Error("the refused script claimed the dedup key anyway")
		}
		if n, _ := s.Depth(ctx); n != 0 {
			t.Errorf("the refused script enqueued %d notifications", n)
		}
	})
}

// TestEveryKeyHasTheHashTag: every key the keyspace builds starts with the
// prefix's hash tag.
func TestEveryKeyHasTheHashTag(t *testing.T) {
	k := NewKeyspace("hook")
	byID, ends, muted := k.Silences()
	meta, fresh, all := k.Group("g")
	rec, recN, recTotal := k.Record()
	for _, key := range []string{k.Outbox(), k.DeadLetters(), k.Due(), byID, ends, muted, k.Dedup("d"), k.Window("r", "s"),
		k.Pending("r", "s"), k.Cleared("r", "s"), meta, fresh, all, k.Inhibit("m"), k.Thread("i"), k.Ack("i"), k.Seen("x"),
		k.Room("1400000001", "s:1"), k.Later(),
		k.Distinct("r", "s"), k.Dropped("r", "s"), k.Rearm("r", "s"), k.Population("a", "r"),
		k.Population("1400000001", "s:r"), k.PopulationRooms(), k.PopulationApps(), k.PopulationGone(), k.PopulationLeft(982000), rec, recN, recTotal} {
		if !strings.HasPrefix(key, "{hook}:") {
			t.Errorf("key %q lacks the hash tag", key)
		}
	}
}

// TestLegacyEntriesDecode: pages queued by a hook from before notifications
// were typed are still delivered after an upgrade, with the same page ids.
func TestLegacyEntriesDecode(t *testing.T) {
	page := map[string]any{
		"id": "abc-oncall-g2", "kind": "firing", "rule": "storm", "severity": "critical",
		"title": "Update: Users dropping out", "text": "User left room (Timeout) in room `8489`",
		"fields": []map[string]string{{"name": "App", "value": "1400000001"}, {"name": "Room", "value": "8489"},
			{"name": "New users (2)", "value": "u1, u2"}},
		"codes":    []alert.Code{{Field: "event", Value: 104, Name: "room.exit", Meaning: "User left room"}},
		"incident": "1400000001/8489", "count": 2, "created_at": "2026-11-27T03:00:00Z",
		"receiver": map[string]any{"name": "oncall", "kind": "slack", "channel": "#oncall"},
	}
	b, _ := json.Marshal(page)
	n, err := decodeEntry(map[string]any{"page": string(b)})
	if err != nil {
		t.Fatal(err)
	}
	if n.PageID() != "abc-oncall-g2" || n.Event.App != "1400000001" || n.Event.Room != "8489" ||
		n.Receiver.Channel != "#oncall" || !strings.Contains(n.Text, "New users (2): u1, u2") || n.Count != 2 {
		t.Errorf("legacy page decoded as %+v (page id %s)", n, n.PageID())
	}
	resolved := map[string]any{"id": "abc-oncall-resolved", "kind": "resolved", "receiver": map[string]any{"name": "oncall"}}
	b, _ = json.Marshal(resolved)
	if n, err := decodeEntry(map[string]any{"page": string(b)}); err != nil || n.PageID() != "abc-oncall-resolved" || n.Kind != alert.KindResolved {
		t.Errorf("legacy resolved page: %+v, %v", n, err)
	}
	if _, err := decodeEntry(map[string]any{"page": "{not json"}); err == nil {
		t.Error("an undecodable legacy page decoded")
	}
}
