package redisconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisClient(t *testing.T) {
	tests := []struct {
		url      string
		want     string // the client type, or "" for an error
		topology string
	}{
		{"redis://localhost:6379/2", "*redis.Client", "localhost:6379 db 2, tls false"},
		{"rediss://:s3cret@redis.internal:6380/0", "*redis.Client", "redis.internal:6380 db 0, tls true"},
		{"redis://n1:7000?addr=n2:7000&addr=n3:7000", "*redis.ClusterClient", "cluster seeds [n1:7000 n2:7000 n3:7000]"},
		{"redis://s1:26379?master_name=hook&addr=s2:26379", "*redis.Client", `sentinel master "hook" via [s1:26379 s2:26379]`},
		{"http://localhost:6379", "", ""},
		{"redis://:s3cret@host:6379?addr=x&bogus=1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			rdb, topology, err := New(tt.url, 1500*time.Millisecond)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("New accepted %q", tt.url)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error reveals the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			if got := typeName(rdb); got != tt.want {
				t.Errorf("client %s, want %s", got, tt.want)
			}
			if !strings.HasPrefix(topology, tt.topology) || strings.Contains(topology, "s3cret") {
				t.Errorf("topology %q, want prefix %q and no password", topology, tt.topology)
			}
			if got := timeouts(rdb); got != "dial 1.5s read 1.5s write 1.5s pool 1.5s ctx true" {
				t.Errorf("client timeouts: %s, want every wait bounded by 1.5s and context deadlines honoured", got)
			}
		})
	}
}

// timeouts describes the waits a client's options bound.
func timeouts(c redis.UniversalClient) string {
	f := func(dial, read, write, pool time.Duration, ctx bool) string {
		return fmt.Sprintf("dial %s read %s write %s pool %s ctx %v", dial, read, write, pool, ctx)
	}
	switch c := c.(type) {
	case *redis.ClusterClient:
		o := c.Options()
		return f(o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.ContextTimeoutEnabled)
	case *redis.Client:
		o := c.Options()
		return f(o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.ContextTimeoutEnabled)
	}
	return "unknown client"
}

func typeName(c redis.UniversalClient) string {
	switch c.(type) {
	case *redis.ClusterClient:
		return "*redis.ClusterClient"
	case *redis.Client:
		return "*redis.Client"
	}
	return "other"
}

type flakyPinger struct{ failures int }

func (p *flakyPinger) Ping(context.Context) error {
	if p.failures > 0 {
		p.failures--
		return errors.New("dial tcp: connection refused")
	}
	return nil
}

// TestWaitForRedis: the wait returns once Redis answers, and gives up
// (false) when hook is stopped first.
func TestWaitForRedis(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	p := &flakyPinger{failures: 2}
	if !Wait(context.Background(), p, time.Second, log) {
		t.Error("Wait gave up on a Redis that came back")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Wait(ctx, &flakyPinger{failures: 1}, time.Second, log) {
		t.Error("Wait reported Redis up after being stopped")
	}
}
