package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
)

const outboxUsage = `Usage:
  hook outbox list  [--url URL] [--limit N] [--json]   dead letters and the outbox's state
  hook outbox retry [--url URL] ID...                   move dead letters back to the outbox
  hook outbox drop  [--url URL] ID...                   delete dead letters for good
  hook outbox digests [--url URL] [--limit N] [--json] [ID]
                                                        flood digests; with an ID, the pages in it

Talks to a running "hook serve" admin API with the bearer token in HOOK_ADMIN_TOKEN.
`

// cmdOutbox inspects and manages the dead-letter stream through the admin API.
func cmdOutbox(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer, client *http.Client) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, outboxUsage)
		if len(args) == 0 {
			return exitError{code: 2}
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("hook outbox "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", cmp.Or(getenv("HOOK_URL"), "http://localhost:8080"), "hook server ($HOOK_URL)")
	limit := fs.Int("limit", 100, "list at most this many dead letters, digests or digested pages")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if err := fs.Parse(flagsFirst(fs, args)); err != nil {
		return flagError(err)
	}
	api, err := newAdminClient("hook outbox", *base, getenv, client)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return outboxList(ctx, api, *limit, *asJSON, stdout)
	case "digests":
		if fs.NArg() > 1 {
			return exitError{code: 2, msg: "hook outbox digests: give at most one digest ID"}
		}
		return outboxDigests(ctx, api, fs.Arg(0), *limit, *asJSON, stdout)
	case "retry", "drop":
		if fs.NArg() == 0 {
			return exitError{code: 2, msg: "hook outbox " + sub + ": give the dead letter IDs (see hook outbox list)"}
		}
		method, suffix := http.MethodPost, "/retry"
		if sub == "drop" {
			method, suffix = http.MethodDelete, ""
		}
		failed := 0
		for _, id := range fs.Args() {
			var res map[string]string
			if err := api.do(ctx, method, "/api/v1/deadletters/"+url.PathEscape(id)+suffix, nil, &res); err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", id, err)
				failed++
				continue
			}
			fmt.Fprintf(stdout, "%s %s\n", id, res["status"])
		}
		if failed > 0 {
			return exitError{code: 1}
		}
		return nil
	}
	return exitError{code: 2, msg: fmt.Sprintf("hook outbox: unknown subcommand %q\n\n%s", sub, outboxUsage)}
}

func outboxList(ctx context.Context, api adminClient, limit int, asJSON bool, stdout io.Writer) error {
	var stats map[string]any
	if err := api.do(ctx, http.MethodGet, "/api/v1/outbox", nil, &stats); err != nil {
		return exitError{code: 1, msg: "hook outbox list: " + err.Error()}
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
	if err := api.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/deadletters?limit=%d", limit), nil, &raw); err != nil {
		return exitError{code: 1, msg: "hook outbox list: " + err.Error()}
	}
	if asJSON {
		b, _ := json.MarshalIndent(map[string]any{"outbox": stats, "dead_letters": json.RawMessage(raw)}, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return exitError{code: 1, msg: "hook outbox list: unexpected answer: " + err.Error()}
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
			d.Page.ID, d.Page.Rule, d.Page.Receiver, oneLine(d.Reason, 100))
	}
	return tw.Flush()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n-1] + "…"
	}
	return s
}
