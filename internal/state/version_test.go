package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

func TestOlderThan(t *testing.T) {
	for _, tc := range []struct {
		version string
		older   bool
	}{
		{"6.0.16", true},
		{"5.0.14", true},
		{"6.2.0", false},
		{"6.2.14", false},
		{"7.0.15", false},
		{"10.0.0", false},
		{"7.2.4-valkey", false},
		{"", false},      // unreadable: try rather than refuse
		{"seven", false}, // unreadable
	} {
		if got := olderThan(tc.version, minVersion); got != tc.older {
			t.Errorf("olderThan(%q) = %v, want %v", tc.version, got, tc.older)
		}
	}
}

// fakeRedis answers PING, and INFO with info; everything else is an error.
func fakeRedis(t *testing.T, info string) string {
	t.Helper()
	return tcpServer(t, func(conn net.Conn) {
		r := bufio.NewReader(conn)
		for {
			cmd, err := readCommand(r)
			if err != nil {
				return
			}
			switch strings.ToLower(cmd) {
			case "ping":
				fmt.Fprint(conn, "+PONG\r\n")
			case "info":
				fmt.Fprintf(conn, "$%d\r\n%s\r\n", len(info), info)
			default:
				fmt.Fprintf(conn, "-ERR unknown command '%s'\r\n", cmd)
			}
		}
	})
}

// readCommand reads one RESP array of bulk strings and returns its first.
func readCommand(r *bufio.Reader) (string, error) {
	var n int
	if _, err := fmt.Fscanf(r, "*%d\r\n", &n); err != nil {
		return "", err
	}
	var first string
	for i := range n {
		var size int
		if _, err := fmt.Fscanf(r, "$%d\r\n", &size); err != nil {
			return "", err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		if i == 0 {
			first = string(buf[:size])
		}
	}
	return first, nil
}

// Ping refuses a Redis too old for hook, saying why, and accepts a recent
// one or one that does not say its version.
func TestPingChecksTheVersion(t *testing.T) {
	client := func(addr string) redis.UniversalClient {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
		t.Cleanup(func() { rdb.Close() })
		return rdb
	}
	old := fakeRedis(t, "# Server\r\nredis_version:6.0.16\r\nredis_mode:standalone\r\n")
	err := wire(New(client(old), "hook")).Ping(context.Background())
	var coded *alert.Error
	if !errors.As(err, &coded) || coded.Reason != alert.ReasonStoreUnsupported || alert.CodeOf(err) != alert.EUNAVAILABLE ||
		!strings.Contains(err.Error(), "6.0.16") || !strings.Contains(coded.Message, "6.2") {
		t.Errorf("Redis 6.0.16: %v, want unsupported, naming the version and what is needed", err)
	}
	for name, addr := range map[string]string{
		"recent":           fakeRedis(t, "# Server\r\nredis_version:7.2.4\r\n"),
		"no version given": fakeRedis(t, "# Clients\r\nconnected_clients:1\r\n"),
	} {
		if err := wire(New(client(addr), "hook")).Ping(context.Background()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := wire(New(redistest.Start(t), "hook")).Ping(context.Background()); err != nil {
		t.Errorf("redis-server: %v", err)
	}
	cluster, _ := redistest.StartCluster(t) // every master is asked
	if err := wire(New(cluster, "hook")).Ping(context.Background()); err != nil {
		t.Errorf("redis cluster: %v", err)
	}
}
