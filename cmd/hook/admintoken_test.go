package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

func TestAdminTokenFile(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/a"}, "/state/hook/admin-token"},
		{map[string]string{"HOME": "/home/a"}, "/home/a/.local/state/hook/admin-token"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/a"}, "/home/a/.local/state/hook/admin-token"}, // the spec ignores relative paths
		{nil, ""},
	}
	for _, tt := range tests {
		if got := adminTokenFile(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestLocalAdminToken: the token is made once, only its owner can read it,
// and a file others could read is not trusted: it is replaced.
func TestLocalAdminToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "hook", "admin-token")
	token, err := localAdminToken(path)
	if err != nil || len(token) < 16 {
		t.Fatalf("localAdminToken = %q, %v", token, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode(), err, want)
		}
	}
	if again, err := localAdminToken(path); err != nil || again != token {
		t.Errorf("second start: %q, %v; want the same token %q", again, err, token)
	}
	if got, err := readAdminToken(path); err != nil || got != token {
		t.Errorf("readAdminToken = %q, %v", got, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readAdminToken(path); err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Errorf("a token others can read: %v, want it refused", err)
	}
	fresh, err := localAdminToken(path)
	if err != nil || fresh == token {
		t.Errorf("the server kept a token others could read: %q, %v", fresh, err)
	}
	if fi, _ := os.Stat(path); fi.Mode() != 0o600 {
		t.Errorf("rewritten with mode %v", fi.Mode())
	}
	if _, err := readAdminToken(filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "only a hook on the in-process Redis") {
		t.Errorf("no file: %v", err)
	}
}

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
	if _, err := localAdminToken(filepath.Join(state, "hook", "admin-token")); err != nil {
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
