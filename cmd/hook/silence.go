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
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/handler"
)

const silenceUsage = `Usage:
  hook silence add [--url URL] [--author NAME] --comment TEXT [--for 1h] LABEL=VALUE...
  hook silence list [--url URL] [--json]
  hook silence expire [--url URL] ID

Labels: app, room, user, task, rule, event (e.g. room.exit), reason (e.g. timeout), severity.
The server's admin API must be on (HOOK_ADMIN_TOKEN set there); the same token is read here.`

// cmdSilence manages silences through a running server's admin API, so the
// CLI needs no Redis credentials and every replica sees the change at once.
func cmdSilence(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return exitError{code: 2, msg: silenceUsage}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("hook silence "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", cmp.Or(getenv("HOOK_URL"), "http://localhost:8080"), "hook server ($HOOK_URL)")
	author := fs.String("author", cmp.Or(getenv("USER"), loginName()), "who is silencing (add; default $USER, else your login name)")
	comment := fs.String("comment", "", "why (add; required)")
	dur := fs.Duration("for", time.Hour, "how long (add)")
	asJSON := fs.Bool("json", false, "print JSON (list)")
	if err := fs.Parse(flagsFirst(fs, args)); err != nil {
		return flagError(err)
	}
	c, err := newAdminClient("hook silence", *base, getenv, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		matchers := map[string]string{}
		for _, a := range fs.Args() {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				return exitError{code: 2, msg: fmt.Sprintf("hook silence add: %q is not LABEL=VALUE", a)}
			}
			if _, dup := matchers[k]; dup {
				return exitError{code: 2, msg: fmt.Sprintf("hook silence add: %s given twice; a silence matches one value per label (add one silence per value)", k)}
			}
			matchers[k] = v
		}
		var s alert.Silence
		req := handler.SilenceRequest{Matchers: matchers, Author: *author, Comment: *comment, Duration: dur.String()}
		if err := c.do(ctx, http.MethodPost, "/api/v1/silences", req, &s); err != nil {
			return exitError{code: 1, msg: "hook silence " + sub + ": " + err.Error()}
		}
		fmt.Fprintf(stdout, "silence %s: %s until %s\n", s.ID, formatMatchers(s.Matchers), s.EndsAt.Local().Format(time.RFC3339))
		return nil
	case "list":
		var out struct {
			Silences []alert.Silence `json:"silences"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/silences", nil, &out); err != nil {
			return exitError{code: 1, msg: "hook silence " + sub + ": " + err.Error()}
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out.Silences)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tMATCHERS\tENDS\tMUTED\tAUTHOR\tCOMMENT")
		for _, s := range out.Silences {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, formatMatchers(s.Matchers), s.EndsAt.Local().Format(time.RFC3339), s.Muted, s.Author, s.Comment)
		}
		return tw.Flush()
	case "expire":
		if fs.NArg() != 1 {
			return exitError{code: 2, msg: "hook silence expire: give one silence ID (see hook silence list)"}
		}
		if err := c.do(ctx, http.MethodDelete, "/api/v1/silences/"+url.PathEscape(fs.Arg(0)), nil, nil); err != nil {
			return exitError{code: 1, msg: "hook silence " + sub + ": " + err.Error()}
		}
		fmt.Fprintf(stdout, "silence %s expired\n", fs.Arg(0))
		return nil
	}
	return exitError{code: 2, msg: fmt.Sprintf("hook silence: unknown subcommand %q\n\n%s", sub, silenceUsage)}
}

func formatMatchers(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range alert.SilenceLabels() {
		if v, ok := m[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

// loginName names who runs the command when $USER is unset (containers,
// cron): the account, else the host, so a silence always says where it came from.
func loginName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if h, err := os.Hostname(); err == nil {
		return "someone on " + h
	}
	return ""
}
