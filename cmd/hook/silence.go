package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/adminclient"
	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/handler"
)

// newSilenceCmd is `hook silence`: silences managed through a running
// server's admin API, so the CLI needs no Redis credentials and every
// replica sees the change at once.
func newSilenceCmd(c *proc) *cobra.Command {
	var base string
	cmd := &cobra.Command{
		Use:   "silence",
		Short: "Mute pages by app, room, user, rule...: add, list, expire (admin API)",
		Long: `Manages silences on a running hook through its admin API.

Against a hook on this machine on the in-process Redis (the embedded
default) no token is needed: that hook writes one to
$XDG_STATE_HOME/hook/admin-token (else $HOME/.local/state/hook/admin-token),
readable only by you, and these commands read it there. Any other hook
(HOOK_REDIS_URL, production) needs HOOK_ADMIN_TOKEN, set on the server and here.`,
		Args: cobra.ArbitraryArgs,
		RunE: cli.NeedsSubcommand,
	}
	cmd.PersistentFlags().StringVar(&base, "url", "http://localhost:8080", "hook server")
	cli.FromEnv(cmd.PersistentFlags(), "url", "HOOK_URL")
	admin := adminFor(cmd.CommandPath, &base, c.getenv)
	cmd.AddCommand(newSilenceAddCmd(c, admin), newSilenceListCmd(c, admin), newSilenceExpireCmd(c, admin))
	return cmd
}

func newSilenceAddCmd(c *proc, admin func() (adminclient.Client, error)) *cobra.Command {
	var author, comment string
	var dur time.Duration
	labels := alert.SilenceLabels()
	cmd := &cobra.Command{
		Use:   "add LABEL=VALUE...",
		Short: "Mute what matches every LABEL=VALUE for a while",
		Long: `Mutes, until it expires, every alert whose labels match all the given values.

Labels: ` + strings.Join(labels, ", ") + `.
event is a catalogue name (room.exit) and reason a short name (timeout);
values are checked by the server, which refuses unknown ones with a suggestion.`,
		Example: `  hook silence add --for 2h --comment "venue wifi down" room=8489
  hook silence add --for 30m --comment "load test" app=1400000001 rule=anchor-dropped`,
		Args: cli.AtLeastOne("give what to mute as LABEL=VALUE (labels: " + strings.Join(labels, ", ") + ")"),
		ValidArgsFunction: func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var out []cobra.Completion
			for _, l := range labels {
				if strings.HasPrefix(l+"=", toComplete) {
					out = append(out, l+"=")
				}
			}
			return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			matchers := map[string]string{}
			for _, a := range args {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					return cli.Exit{Code: 2, Msg: fmt.Sprintf("hook silence add: %q is not LABEL=VALUE", a)}
				}
				if _, dup := matchers[k]; dup {
					return cli.Exit{Code: 2, Msg: fmt.Sprintf("hook silence add: %s given twice; a silence matches one value per label (add one silence per value)", k)}
				}
				matchers[k] = v
			}
			api, err := admin()
			if err != nil {
				return err
			}
			var s alert.Silence
			req := handler.SilenceRequest{Matchers: matchers, Author: author, Comment: comment, Duration: dur.String()}
			if err := api.Do(cmd.Context(), http.MethodPost, "/api/v1/silences", req, &s); err != nil {
				return cli.Exit{Code: 1, Msg: "hook silence add: " + err.Error()}
			}
			fmt.Fprintf(c.stdout, "silence %s: %s until %s\n", s.ID, adminclient.FormatMatchers(s.Matchers), s.EndsAt.Local().Format(time.RFC3339))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&comment, "comment", "", "why: shown in hook silence list and to whoever wonders where the pages went")
	cli.Required(cmd, "comment")
	fs.DurationVar(&dur, "for", time.Hour, "how long")
	fs.StringVar(&author, "author", "", "who is silencing; without it, your login name")
	cli.FromEnv(fs, "author", "USER")
	cmd.PreRun = func(*cobra.Command, []string) {
		if author == "" {
			author = loginName()
		}
	}
	return cmd
}

func newSilenceListCmd(c *proc, admin func() (adminclient.Client, error)) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the silences in force: id, matchers, end, how many muted, author, comment",
		Args:  cli.NoArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := admin()
			if err != nil {
				return err
			}
			var out struct {
				Silences []alert.Silence `json:"silences"`
			}
			if err := api.Do(cmd.Context(), http.MethodGet, "/api/v1/silences", nil, &out); err != nil {
				return cli.Exit{Code: 1, Msg: "hook silence list: " + err.Error()}
			}
			if asJSON {
				enc := json.NewEncoder(c.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out.Silences)
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMATCHERS\tENDS\tMUTED\tAUTHOR\tCOMMENT")
			for _, s := range out.Silences {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, adminclient.FormatMatchers(s.Matchers), s.EndsAt.Local().Format(time.RFC3339), s.Muted, s.Author, s.Comment)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newSilenceExpireCmd(c *proc, admin func() (adminclient.Client, error)) *cobra.Command {
	return &cobra.Command{
		Use:     "expire ID",
		Short:   "End a silence now",
		Example: "  hook silence expire 3k7x2m9qab4c",
		Args:    cli.ExactlyOne("give one silence ID (see hook silence list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := admin()
			if err != nil {
				return err
			}
			if err := api.Do(cmd.Context(), http.MethodDelete, "/api/v1/silences/"+url.PathEscape(args[0]), nil, nil); err != nil {
				return cli.Exit{Code: 1, Msg: "hook silence expire: " + err.Error()}
			}
			fmt.Fprintf(c.stdout, "silence %s expired\n", args[0])
			return nil
		},
	}
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
