package threads

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// defaultTTL stands in for the consumer's default (slack.DefaultThreadTTL).
const defaultTTL = 24 * time.Hour

func newThreads(t *testing.T) (*Store, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return New(rdb, "hook", defaultTTL), mr
}

func TestThreadsRoundTrip(t *testing.T) {
	ctx := context.Background()
	th, mr := newThreads(t)
	const inc = "C123:1400000001/8489"

	if _, _, ok, err := th.Thread(ctx, inc); err != nil || ok {
		t.Fatalf("Thread before SetThread: ok=%v err=%v, want no thread", ok, err)
	}
	if err := th.SetThread(ctx, inc, "C123", "1700000000.000100", time.Hour); err != nil {
		t.Fatal(err)
	}
	ts, ch, ok, err := th.Thread(ctx, inc)
	if err != nil || !ok || ts != "1700000000.000100" || ch != "C123" {
		t.Fatalf("Thread = %q %q %v %v", ts, ch, ok, err)
	}

	key := "{hook}:thread:" + inc
	if !mr.Exists(key) {
		t.Fatalf("key %q not in redis; keys: %v", key, mr.Keys())
	}
	if got := mr.TTL(key); got != time.Hour {
		t.Errorf("TTL = %v, want 1h", got)
	}

	for want := int64(2); want <= 3; want++ {
		n, err := th.AddPage(ctx, inc, 2*time.Hour)
		if err != nil || n != want {
			t.Fatalf("AddPage = %d, %v; want %d", n, err, want)
		}
	}
	if got := mr.TTL(key); got != 2*time.Hour {
		t.Errorf("TTL after AddPage = %v, want 2h (extended)", got)
	}
}

func TestThreadsExpiryAndDefaultTTL(t *testing.T) {
	ctx := context.Background()
	th, mr := newThreads(t)
	if err := th.SetThread(ctx, "i", "C1", "1.2", 0); err != nil {
		t.Fatal(err)
	}
	if got := mr.TTL("{hook}:thread:i"); got != defaultTTL {
		t.Fatalf("TTL = %v, want default %v", got, defaultTTL)
	}
	mr.FastForward(defaultTTL + time.Second)
	if _, _, ok, err := th.Thread(ctx, "i"); err != nil || ok {
		t.Fatalf("Thread after expiry: ok=%v err=%v, want gone", ok, err)
	}

	// A page counted after expiry leaves a hash with no parent: still no thread,
	// and a new parent restarts the count at 1.
	if _, err := th.AddPage(ctx, "i", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := th.Thread(ctx, "i"); ok {
		t.Fatal("count-only hash reported as a thread")
	}
	if err := th.SetThread(ctx, "i", "C1", "3.4", time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, _ := th.AddPage(ctx, "i", time.Minute); n != 2 {
		t.Fatalf("pages after new parent = %d, want 2", n)
	}
}

func TestThreadsRedisDown(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	// No retries: the default backoff would spend seconds on a closed port.
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond,
		DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	th := New(rdb, "hook", defaultTTL)
	mr.Close()
	if _, _, _, err := th.Thread(ctx, "i"); err == nil {
		t.Error("Thread: want error with redis down")
	}
	if err := th.SetThread(ctx, "i", "C", "1", time.Minute); err == nil {
		t.Error("SetThread: want error with redis down")
	}
	if _, err := th.AddPage(ctx, "i", time.Minute); err == nil {
		t.Error("AddPage: want error with redis down")
	}
}

func TestThreadsClaimParent(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	th := New(rdb, "hook", defaultTTL)
	ctx := context.Background()
	for _, step := range []struct {
		owner string
		want  bool
	}{{"page-a", true}, {"page-a", true}, {"page-b", false}} {
		if got, err := th.ClaimParent(ctx, "c:i", step.owner, 10*time.Second); err != nil || got != step.want {
			t.Fatalf("ClaimParent(%s) = %v, %v; want %v", step.owner, got, err, step.want)
		}
	}
	if err := th.ReleaseParent(ctx, "c:i", "page-b"); err != nil { // not the owner: no effect
		t.Fatal(err)
	}
	if got, _ := th.ClaimParent(ctx, "c:i", "page-b", 10*time.Second); got {
		t.Fatal("a non-owner released the claim")
	}
	if err := th.ReleaseParent(ctx, "c:i", "page-a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := th.ClaimParent(ctx, "c:i", "page-b", 10*time.Second); !got {
		t.Fatal("the owner's release did not free the claim")
	}
	mr.FastForward(11 * time.Second)
	if got, _ := th.ClaimParent(ctx, "c:i", "page-c", 10*time.Second); !got {
		t.Fatal("a claim outlived its hold")
	}
}
