package adminclient

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
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

// TokenFile is where the local admin token lives:
// $XDG_STATE_HOME/hook/admin-token, else ~/.local/state/hook/admin-token;
// "" when neither variable is set.
func TokenFile(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "hook", "admin-token")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "hook", "admin-token")
	}
	return ""
}

// LocalToken returns the token in path, or writes a new random one
// there (0600, its directory 0700) when there is none, or the one there is
// not a token or is readable by others.
func LocalToken(path string) (string, error) {
	if token, err := ReadToken(path); err == nil {
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

// ReadToken reads the local token in path: a regular file only its
// owner can read, holding one token.
func ReadToken(path string) (string, error) {
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
