package adminclient

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// The local admin token: a hook on the in-process Redis (the embedded
// default, a laptop) needs no HOOK_ADMIN_TOKEN for `hook silence` and `hook
// outbox`. It makes up a token, keeps it in a file only its user can read in
// the user's state directory, and the CLI on the same machine reads it there.
// A hook with a real Redis (HOOK_REDIS_URL: production) has an admin API
// only with HOOK_ADMIN_TOKEN.

// adminTokenFile is where the local admin token lives:
// $XDG_STATE_HOME/hook/admin-token, else ~/.local/state/hook/admin-token;
// "" when neither variable is set.
func adminTokenFile(getenv env) string {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "hook", "admin-token")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "hook", "admin-token")
	}
	return ""
}

// serveAdminToken is the admin token hook serve runs with: HOOK_ADMIN_TOKEN
// when set; on the in-process Redis, the local token (made on first use,
// then kept, so every local hook and the CLI agree); with a real Redis and
// no HOOK_ADMIN_TOKEN, none: the admin API is off.
func serveAdminToken(token, redisURL string, getenv env, log *slog.Logger) string {
	switch {
	case token != "":
		return token
	case redisURL != "":
		log.Info("admin API off: set HOOK_ADMIN_TOKEN to use hook silence and hook outbox")
		return ""
	}
	path := adminTokenFile(getenv)
	if path == "" {
		log.Warn("admin API off: no $XDG_STATE_HOME or $HOME for a local admin token; set HOOK_ADMIN_TOKEN to use hook silence and hook outbox")
		return ""
	}
	token, err := localAdminToken(path)
	if err != nil {
		log.Warn("admin API off: could not keep a local admin token; set HOOK_ADMIN_TOKEN to use hook silence and hook outbox", "err", err)
		return ""
	}
	log.Info("admin API on with a local token: hook silence and hook outbox on this machine read it", "file", path)
	return token
}

// localAdminToken returns the token in path, or writes a new random one
// there (0600, its directory 0700) when there is none, or the one there is
// not a token or is readable by others.
func localAdminToken(path string) (string, error) {
	if token, err := readAdminToken(path); err == nil {
		return token, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	token := rand.Text()
	// Written whole, then renamed into place: a CLI never reads half a token.
	f, err := os.CreateTemp(dir, ".admin-token-*") // 0600
	if err != nil {
		return "", err
	}
	_, werr := f.WriteString(token + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return "", werr
	}
	return token, nil
}

// readAdminToken reads the local token in path: a regular file only its
// owner can read, holding one token.
func readAdminToken(path string) (string, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no local token in %s: only a hook on the in-process Redis, without HOOK_REDIS_URL, writes one", path)
	}
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s is not a file only you can read (mode %v): not trusted", path, fi.Mode())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(b))
	if len(token) < 16 || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("%s holds no token", path)
	}
	return token, nil
}
