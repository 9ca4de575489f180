// Package adminclient calls a running hook's admin API (/api/v1) for the
// CLI (hook silence, outbox, backtest): the bearer token (HOOK_ADMIN_TOKEN,
// or the local token a hook on this machine wrote), the requests, and the
// server's refusals turned into messages that say what to do, and the
// outbox's listing and the cells the CLI's admin tables share. It also owns
// that local token's file, which hook serve writes and the CLI reads.
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Client calls a running hook's admin API (/api/v1) with a bearer token;
// `hook outbox` and `hook silence` share it.
type Client struct {
	base, token string
	// tokenFile is where the token was read when HOOK_ADMIN_TOKEN was not
	// set (a local hook's, see LocalToken); "" otherwise.
	tokenFile string
	client    *http.Client
}

// New finds the token: HOOK_ADMIN_TOKEN, else, for a hook on this machine,
// the token a local hook on the in-process Redis wrote to the state
// directory. cmd names the command in messages. Its error is the command
// line's: the caller exits with usage status.
func New(cmd, base string, getenv func(string) string, client *http.Client) (Client, error) {
	a := Client{base: strings.TrimSuffix(base, "/"), token: getenv("HOOK_ADMIN_TOKEN"), client: client}
	if a.token != "" {
		return a, nil
	}
	const set = ": set HOOK_ADMIN_TOKEN to the server's admin token"
	path := TokenFile(getenv)
	switch {
	case !isLocal(base):
		// The local token is for a hook on this machine; it is not sent elsewhere.
		return a, errors.New(cmd + set)
	case path == "":
		return a, errors.New(cmd + set + " (no $XDG_STATE_HOME or $HOME to find a local hook's token in)")
	}
	token, err := ReadToken(path)
	if err != nil {
		return a, errors.New(cmd + set + " (" + err.Error() + ")")
	}
	a.token, a.tokenFile = token, path
	return a, nil
}

// isLocal reports whether base names this machine: localhost or a loopback address.
func isLocal(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Do sends in (if not nil) as JSON and decodes a 2xx answer into out (if not
// nil). Other answers become errors carrying the server's message.
func (a Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return fmt.Errorf("bad --url: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("hook server unreachable: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		switch {
		case resp.StatusCode == http.StatusNotFound && e.Message == "Not Found":
			return fmt.Errorf("404: no admin API there (is HOOK_ADMIN_TOKEN set on the server? A hook with HOOK_REDIS_URL has one only then)")
		case resp.StatusCode == http.StatusUnauthorized && a.tokenFile != "":
			return fmt.Errorf("401: the server refused the local token in %s (a hook on the in-process Redis wrote it); set HOOK_ADMIN_TOKEN to this server's token", a.tokenFile)
		case e.Message != "":
			return fmt.Errorf("%d: %s", resp.StatusCode, e.Message)
		}
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("unexpected answer: %w", err)
		}
	}
	return nil
}
