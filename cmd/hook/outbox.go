package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/adminclient"
	"github.com/hookdev/hook/internal/cli"
)

// newOutboxCmd is `hook outbox`: the outbox and its dead letters, inspected
// and managed through a running hook's admin API.
func newOutboxCmd(c *proc) *cobra.Command {
	var base string
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "Inspect and manage undelivered pages: list, retry, drop, digests (admin API)",
		Long: `Inspects and manages the pages a running hook has not delivered, through its
admin API. The token is found as for hook silence: HOOK_ADMIN_TOKEN, else,
for a hook on this machine on the in-process Redis, the one it wrote to the
state directory.`,
		Args: cobra.ArbitraryArgs,
		RunE: cli.NeedsSubcommand,
	}
	cmd.PersistentFlags().StringVar(&base, "url", "http://localhost:8080", "hook server")
	cli.FromEnv(cmd.PersistentFlags(), "url", "HOOK_URL")
	admin := adminFor(cmd.CommandPath, &base, c.getenv)
	listing := func(use, short string, args cobra.PositionalArgs, run func(ctx context.Context, api adminclient.Client, args []string, limit int, asJSON bool) error) *cobra.Command {
		var limit int
		var asJSON bool
		sub := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  args,
			RunE: func(cmd *cobra.Command, args []string) error {
				api, err := admin()
				if err != nil {
					return err
				}
				return run(cmd.Context(), api, args, limit, asJSON)
			},
		}
		sub.Flags().IntVar(&limit, "limit", 100, "list at most this many dead letters, digests or digested pages")
		sub.Flags().BoolVar(&asJSON, "json", false, "print the API's JSON")
		return sub
	}
	cmd.AddCommand(
		listing("list", "Dead letters and the outbox's state", cli.NoArgs(""),
			func(ctx context.Context, api adminclient.Client, _ []string, limit int, asJSON bool) error {
				if err := api.OutboxList(ctx, limit, asJSON, c.stdout); err != nil {
					return cli.Exit{Code: 1, Msg: "hook outbox list: " + err.Error()}
				}
				return nil
			}),
		listing("digests [ID]", "Flood digests; with an ID, the pages absorbed into it", cli.AtMost(1, "digest ID"),
			func(ctx context.Context, api adminclient.Client, args []string, limit int, asJSON bool) error {
				return outboxDigests(ctx, api, strings.Join(args, ""), limit, asJSON, c.stdout)
			}),
		newOutboxActCmd(c, admin, "retry", "Move dead letters back to the outbox", http.MethodPost, "/retry"),
		newOutboxActCmd(c, admin, "drop", "Delete dead letters for good", http.MethodDelete, ""),
	)
	return cmd
}

// newOutboxActCmd is `hook outbox retry` or `drop`: method on each dead letter.
func newOutboxActCmd(c *proc, admin func() (adminclient.Client, error), name, short, method, suffix string) *cobra.Command {
	return &cobra.Command{
		Use:   name + " ID...",
		Short: short,
		Args:  cli.AtLeastOne("give the dead letter IDs (see hook outbox list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := admin()
			if err != nil {
				return err
			}
			failed := 0
			for _, id := range args {
				var res map[string]string
				if err := api.Do(cmd.Context(), method, "/api/v1/deadletters/"+url.PathEscape(id)+suffix, nil, &res); err != nil {
					fmt.Fprintf(c.stderr, "%s: %v\n", id, err)
					failed++
					continue
				}
				fmt.Fprintf(c.stdout, "%s %s\n", id, res["status"])
			}
			if failed > 0 {
				return cli.Exit{Code: 1}
			}
			return nil
		},
	}
}
