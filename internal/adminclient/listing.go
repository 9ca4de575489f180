package adminclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// OutboxList writes the outbox's state and its dead letters (at most limit)
// to stdout: a line and a table, or the API's JSON when asJSON.
func (api Client) OutboxList(ctx context.Context, limit int, asJSON bool, stdout io.Writer) error {
	var stats map[string]any
	if err := api.Do(ctx, http.MethodGet, "/api/v1/outbox", nil, &stats); err != nil {
		return err
	}
	var list struct {
		DeadLetters []struct {
			ID       string    `json:"id"`
			Reason   string    `json:"reason"`
			FailedAt time.Time `json:"failed_at"`
			Page     struct {
				ID       string `json:"id"`
				Rule     string `json:"rule"`
				Title    string `json:"title"`
				Receiver string `json:"receiver"`
			} `json:"page"`
		} `json:"dead_letters"`
	}
	var raw json.RawMessage
	if err := api.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/deadletters?limit=%d", limit), nil, &raw); err != nil {
		return err
	}
	if asJSON {
		b, _ := json.MarshalIndent(map[string]any{"outbox": stats, "dead_letters": json.RawMessage(raw)}, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("unexpected answer: %w", err)
	}
	age, _ := stats["oldest_age_seconds"].(float64)
	fmt.Fprintf(stdout, "outbox: %v waiting (%v pending), oldest %s; %v dead letters",
		stats["depth"], stats["pending"], (time.Duration(age) * time.Second).String(), stats["dead_letters"])
	if n, ok := stats["digests"]; ok {
		fmt.Fprintf(stdout, "; %v flood digests (hook outbox digests)", n)
	}
	fmt.Fprintln(stdout)
	if len(list.DeadLetters) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFAILED AT\tPAGE\tRULE\tRECEIVER\tREASON")
	for _, d := range list.DeadLetters {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.FailedAt.UTC().Format("2006-01-02 15:04:05"),
			d.Page.ID, d.Page.Rule, d.Page.Receiver, OneLine(d.Reason, 100))
	}
	return tw.Flush()
}

// OneLine is s on one line, its spaces collapsed, cut to n bytes with "…".
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n-1] + "…"
	}
	return s
}

// Cell is a table cell from data that may come from TRTC clients: one line,
// no control characters, bounded.
func Cell(s string, n int) string {
	s = words.Clean(OneLine(s, n))
	if s == "" {
		return "-"
	}
	return s
}

// Stamp is t in UTC to the second, "-" when zero.
func Stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// FormatMatchers writes a silence's matchers as hook silence add takes
// them: LABEL=VALUE, in the labels' order, comma-separated.
func FormatMatchers(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range alert.SilenceLabels() {
		if v, ok := m[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}
