package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// adminClient calls a running hook's admin API (/api/v1) with the bearer
// token from HOOK_ADMIN_TOKEN; `hook outbox` and `hook silence` share it.
type adminClient struct {
	base, token string
	client      *http.Client
}

// newAdminClient checks that a token is set; cmd names the command in messages.
func newAdminClient(cmd, base string, getenv env, client *http.Client) (adminClient, error) {
	token := getenv("HOOK_ADMIN_TOKEN")
	if token == "" {
		return adminClient{}, exitError{code: 2, msg: cmd + ": set HOOK_ADMIN_TOKEN to the server's admin token"}
	}
	return adminClient{base: strings.TrimSuffix(base, "/"), token: token, client: client}, nil
}

// do sends in (if not nil) as JSON and decodes a 2xx answer into out (if not
// nil). Other answers become errors carrying the server's message.
func (a adminClient) do(ctx context.Context, method, path string, in, out any) error {
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
			return fmt.Errorf("404: no admin API there (is HOOK_ADMIN_TOKEN set on the server?)")
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
