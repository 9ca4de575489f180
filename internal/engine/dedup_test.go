package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	outboxpkg "github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/state"
)

const dedupRules = `
receivers:
  - name: oncall
    console: {}
default_receiver: oncall
rules:
  - name: dropped
    match: {event: room.exit, reason: timeout}
    dedup: {window: 2m}
`

func dedupRouter(t *testing.T, rdb redis.UniversalClient) (*engine.Engine, *state.Redis) {
	t.Helper()
	cat := catalogtest.New(t)
	rs, err := rules.Compile("dedup.yaml", []byte(dedupRules), cat, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st := state.New(rdb, "hook")
	return engine.New(cat, rs, st, time.Now, nil), st
}

func timeoutExit() callback.Event {
	return callback.Event{AppID: "1400000001", Group: 1, Type: 104, CallbackMs: 1700000000000, RoomID: "8489",
		UserID: "u42", Role: 20, TerminalType: -1, UserType: -1, Reason: 2, Status: -1, LeaveCode: -1, RoomType: -1}
}

// fire handles one timeout exit and reports whether it paged.
func fire(t *testing.T, r *engine.Engine) bool {
	t.Helper()
	res, err := r.Handle(context.Background(), timeoutExit())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 1 {
		t.Fatalf("outcomes %+v, want one", res.Outcomes)
	}
	return res.Outcomes[0].Fired
}

func outbox(t *testing.T, rdb redis.UniversalClient, st *state.Redis) int64 {
	n, err := rdb.XLen(context.Background(), outboxpkg.Stream(st.Layout().Global())).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDedupMiniredis(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	r, st := dedupRouter(t, rdb)

	if !fire(t, r) {
		t.Fatal("first event did not page")
	}
	if fire(t, r) {
		t.Fatal("the same event within the window paged again")
	}
	if n := outbox(t, rdb, st); n != 1 {
		t.Fatalf("outbox holds %d pages, want 1", n)
	}
	mr.FastForward(2*time.Minute + time.Second)
	if !fire(t, r) {
		t.Fatal("the same event after the window did not page")
	}
	if n := outbox(t, rdb, st); n != 2 {
		t.Fatalf("outbox holds %d pages, want 2", n)
	}
}

func TestDedupRealRedis(t *testing.T) {
	rdb := redistest.Start(t)
	r, st := dedupRouter(t, rdb)
	if !fire(t, r) || fire(t, r) {
		t.Fatal("want the first event to page and the second not")
	}
	if n := outbox(t, rdb, st); n != 1 {
		t.Fatalf("outbox holds %d pages, want 1", n)
	}
	// The claim expires with the rule's window (2m): check the TTL rather than waiting.
	keys, err := rdb.Keys(context.Background(), "{hook}:dedup:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("dedup keys %v, %v", keys, err)
	}
	ttl, err := rdb.PTTL(context.Background(), keys[0]).Result()
	if err != nil || ttl <= time.Minute || ttl > 2*time.Minute {
		t.Fatalf("dedup TTL %v (%v), want about 2m", ttl, err)
	}
	if err := rdb.Del(context.Background(), keys[0]).Err(); err != nil {
		t.Fatal(err)
	}
	if !fire(t, r) {
		t.Fatal("after the claim expired the event did not page")
	}
}
