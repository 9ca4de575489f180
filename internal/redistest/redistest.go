// Package redistest starts real Redis servers for integration tests: one
// server (Start), a three-master Redis Cluster (StartCluster), or a master,
// a replica and a sentinel watching them (StartSentinel). Mini gives unit
// tests a miniredis and a client for it.
//
// Unit tests use miniredis; these tests prove the Lua scripts and stream
// commands behave the same on the real thing. Each call starts private
// servers on free ports with persistence off, and stops them when the test
// ends.
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RequireEnv, when set (CI sets it), turns a missing redis-server into a test
// failure instead of a skip, so CI can never pass by skipping.
const RequireEnv = "HOOK_REQUIRE_REDIS"

// Start runs redis-server and returns a client for it. It skips the test with a
// clear message when redis-server is not installed, unless RequireEnv is set.
func Start(t testing.TB) *redis.Client {
	t.Helper()
	addr := startServer(t, t, binary(t))
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// binary finds redis-server, or skips (fails, under RequireEnv) the test.
func binary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("redis-server not found and %s is set: install it (apt-get install redis-server)", RequireEnv)
		}
		t.Skip("integration test needs redis-server on PATH (apt-get install redis-server); .ci/run installs it")
	}
	return bin
}

// owner stops what a test started: the test itself (t.Cleanup), or the test
// binary for servers shared by its tests (see Main).
type owner interface{ Cleanup(func()) }

// startServer runs bin on a free port with persistence off plus extra
// arguments, waits until it answers PING, and returns its address. owner
// stops it.
func startServer(t testing.TB, own owner, bin string, extra ...string) string {
	t.Helper()
	addr, _ := launch(t, own, bin, nil, append([]string{"--save", "", "--appendonly", "no"}, extra...))
	return addr
}

// launch runs bin with first (a config file must come first), then a free
// port and extra, waits until it answers PING, and returns its address and
// a kill that stops it at once (as a crash would).
func launch(t testing.TB, own owner, bin string, first, extra []string) (string, func()) {
	t.Helper()
	return launchWith(t, own, bin, func(port int) []string {
		return append(append(slices.Clone(first), "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--protected-mode", "no"), extra...)
	})
}

// launchWith runs bin with argsFor(a free port) until it answers PING. A
// port is free when chosen, not when redis-server binds it (other tests
// start servers too): a server that exits before it answers is started
// again on another port, a few times.
func launchWith(t testing.TB, own owner, bin string, argsFor func(port int) []string) (string, func()) {
	t.Helper()
	const attempts = 5
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		cmd := exec.Command(bin, argsFor(port)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		var once sync.Once
		kill := func() {
			once.Do(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		err := waitUp(addr, exited)
		if err == nil {
			own.Cleanup(kill)
			return addr, kill
		}
		kill()
		if !errors.Is(err, errExited) || attempt == attempts {
			t.Fatalf("redis-server on %s: %v; its output:\n%s", addr, err, out.String())
		}
	}
}

// errExited: the server stopped before it answered.
var errExited = errors.New("exited before it answered")

// waitUp waits until the server at addr answers PING, it exits, or 10 s
// pass (a guard against a hung test, never a timing assertion).
func waitUp(addr string, exited <-chan struct{}) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := rdb.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errExited
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up waiting for it to answer: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventually retries cond every 20 ms until it returns nil, failing the test
// with its last error after limit (a guard against a hung test, never a
// timing assertion).
func eventually(t testing.TB, limit time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
