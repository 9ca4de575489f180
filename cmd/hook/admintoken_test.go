package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/hookdev/hook/internal/adminclient"
)

// TestSilencesOnTheEmbeddedDefault: `go run ./cmd/hook` and then `hook
// silence add|list|expire` with no token set anywhere: the server writes
// one to the state directory (0600) and the CLI reads it there.
func TestSilencesOnTheEmbeddedDefault(t *testing.T) {
	state := t.TempDir()
	s := startServe(t, map[string]string{"XDG_STATE_HOME": state})
	path := filepath.Join(state, "hook", "admin-token")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v; want mode 0600", fi, err)
	}
	waitFor(t, 5*time.Second, "the admin API log line", func() bool {
		return strings.Contains(s.stderr.String(), "admin API on with a local token") && strings.Contains(s.stderr.String(), path)
	})
	cliEnv := map[string]string{"XDG_STATE_HOME": state, "USER": "alice"} // no HOOK_ADMIN_TOKEN
	out, _, err := hookRun(t, cliEnv, "silence", "add", "--url", s.url, "--comment", "venue wifi down", "room=8489")
	if err != nil {
		t.Fatalf("silence add: %v", err)
	}
	id := regexp.MustCompile(`^silence (\w+): room=8489 until`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("silence add printed %q", out)
	}
	if out, _, err = hookRun(t, cliEnv, "silence", "list", "--url", s.url); err != nil || !strings.Contains(out, id[1]) || !strings.Contains(out, "venue wifi down") {
		t.Fatalf("silence list: %v\n%s", err, out)
	}
	if out, _, err = hookRun(t, cliEnv, "silence", "expire", id[1], "--url", s.url); err != nil || !strings.Contains(out, "expired") {
		t.Fatalf("silence expire: %v %q", err, out)
	}
	if out, _, err = hookRun(t, cliEnv, "outbox", "list", "--url", s.url); err != nil || !strings.HasPrefix(out, "outbox: 0 waiting") {
		t.Errorf("outbox list: %v %q", err, out)
	}
	// The local token goes to a hook on this machine only.
	_, _, err = hookRun(t, cliEnv, "silence", "list", "--url", "https://hook.example.com")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "set HOOK_ADMIN_TOKEN") {
		t.Errorf("to another host: %v, want exit 2 asking for HOOK_ADMIN_TOKEN", err)
	}
}

// TestSilencesWithRedisNeedTheToken: a hook on a real Redis (production)
// writes no token and has no admin API without HOOK_ADMIN_TOKEN; the CLI
// says what to set, with or without a local token lying around.
func TestSilencesWithRedisNeedTheToken(t *testing.T) {
	mr := miniredis.RunT(t)
	state := t.TempDir()
	s := startServe(t, map[string]string{"XDG_STATE_HOME": state, "HOOK_REDIS_URL": "redis://" + mr.Addr()})
	waitFor(t, 5*time.Second, "the admin API log line", func() bool {
		return strings.Contains(s.stderr.String(), "admin API off: set HOOK_ADMIN_TOKEN")
	})
	if _, err := os.Stat(filepath.Join(state, "hook", "admin-token")); !os.IsNotExist(err) {
		t.Errorf("a hook on Redis wrote a local token: %v", err)
	}
	cliEnv := map[string]string{"XDG_STATE_HOME": state, "USER": "alice"}
	_, _, err := hookRun(t, cliEnv, "silence", "add", "--url", s.url, "--comment", "x", "room=1")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "set HOOK_ADMIN_TOKEN to the server's admin token") {
		t.Errorf("no token: %v, want exit 2 asking for HOOK_ADMIN_TOKEN", err)
	}
	// A token left by a local hook earlier is not this server's.
	if _, err := adminclient.LocalToken(filepath.Join(state, "hook", "admin-token")); err != nil {
		t.Fatal(err)
	}
	_, _, err = hookRun(t, cliEnv, "silence", "list", "--url", s.url)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "no admin API there (is HOOK_ADMIN_TOKEN set on the server?") {
		t.Errorf("a local token against a hook on Redis: %v", err)
	}
	// With HOOK_ADMIN_TOKEN on the server, the local token is refused, and said to be the wrong one.
	s2 := startServe(t, map[string]string{"XDG_STATE_HOME": state, "HOOK_REDIS_URL": "redis://" + mr.Addr(), "HOOK_ADMIN_TOKEN": "prod-token"})
	_, _, err = hookRun(t, cliEnv, "silence", "list", "--url", s2.url)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "refused the local token") || !strings.Contains(err.Error(), "set HOOK_ADMIN_TOKEN") {
		t.Errorf("a local token against a hook with HOOK_ADMIN_TOKEN: %v", err)
	}
	cliEnv["HOOK_ADMIN_TOKEN"] = "prod-token"
	if out, _, err := hookRun(t, cliEnv, "silence", "list", "--url", s2.url); err != nil || !strings.HasPrefix(out, "ID") {
		t.Errorf("with the token: %v %q", err, out)
	}
}
