package adminclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if got := TokenFile(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestLocalAdminToken: the token is made once, only its owner can read it,
// and a file others could read is not trusted: it is replaced.
func TestLocalAdminToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "hook", "admin-token")
	token, err := LocalToken(path)
	if err != nil || len(token) < 16 {
		t.Fatalf("LocalToken = %q, %v", token, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode(), err, want)
		}
	}
	if again, err := LocalToken(path); err != nil || again != token {
		t.Errorf("second start: %q, %v; want the same token %q", again, err, token)
	}
	if got, err := ReadToken(path); err != nil || got != token {
		t.Errorf("ReadToken = %q, %v", got, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadToken(path); err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Errorf("a token others can read: %v, want it refused", err)
	}
	fresh, err := LocalToken(path)
	if err != nil || fresh == token {
		t.Errorf("the server kept a token others could read: %q, %v", fresh, err)
	}
	if fi, _ := os.Stat(path); fi.Mode() != 0o600 {
		t.Errorf("rewritten with mode %v", fi.Mode())
	}
	if _, err := ReadToken(filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "only a hook on the in-process Redis") {
		t.Errorf("no file: %v", err)
	}
}
