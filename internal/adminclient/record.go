package adminclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/record"
)

// StreamRecord streams the record of the server at base (GET
// /api/v1/record), as q selects it, entry by entry to fn. It needs the
// server's token: the record is not for the local token's CLI commands.
func StreamRecord(ctx context.Context, base, token string, q record.Query, fn func(record.Entry) error) error {
	v := url.Values{}
	if !q.From.IsZero() {
		v.Set("from", strconv.FormatInt(q.From.UnixMilli(), 10))
	}
	if !q.To.IsZero() {
		v.Set("to", strconv.FormatInt(q.To.UnixMilli(), 10))
	}
	if q.App != "" {
		v.Set("app", q.App)
	}
	if q.Room != "" {
		v.Set("room", q.Room)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v1/record?"+v.Encode(), nil)
	if err != nil {
		return fmt.Errorf("bad --url: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	// No overall timeout: a day of a busy app streams for minutes. The
	// server must answer its headers promptly, though.
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 30 * time.Second, Proxy: http.ProxyFromEnvironment}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("hook server unreachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s answers 404 for the record: is HOOK_ADMIN_TOKEN set on the server, and is it a hook with hook backtest?", base)
		}
		return fmt.Errorf("%s answers %d: %s", base, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	lr := record.NewLineReader(resp.Body)
	for {
		e, ok, err := lr.Next()
		if err != nil || !ok {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}
