package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/adminclient"
	"github.com/hookdev/hook/internal/backtest"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/redisconn"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/settings"
)

// newBacktestCmd is `hook backtest`: what the recorded callbacks (or a file)
// would have paged under an edited rules file (internal/backtest).
func newBacktestCmd(c *proc) *cobra.Command {
	var read func(args []string, getenv func(string) string, now time.Time) (settings.Backtest, error)
	cmd := &cobra.Command{
		Use:   "backtest --rules NEW.yaml [--since 24h | --from TIME [--to TIME]]",
		Short: "What the recorded callbacks would have paged under an edited rules file",
		Long: `Replays the callbacks hook recorded (or a file) through the rules now serving
(HOOK_RULES, else the embedded rules.example.yaml) and through NEW.yaml, on
in-memory state, sending nothing, and prints per rule the pages each would
have sent and how they differ. The record is read from --redis
(HOOK_REDIS_URL), else from the server at --url through its admin API
(HOOK_ADMIN_TOKEN, or the local token on the embedded default): the only way
when the server keeps its state in-process.`,
		Example: `  hook backtest --rules rules.new.yaml --since 24h
  hook backtest --rules rules.new.yaml --from 2026-03-01T20:00:00Z --to 2026-03-01T23:00:00Z --room 8489
  hook backtest --export incident.json --since 2h --app 1400000001
  hook backtest --rules rules.new.yaml --input incident.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := read(args, c.getenv, time.Now())
			if err != nil {
				return err
			}
			return runBacktest(cmd.Context(), cfg, c.getenv, c.stdout, c.stderr)
		},
	}
	read = settings.BacktestFlags(cmd.Flags())
	return cmd
}

// runBacktest runs `hook backtest` as c asks.
func runBacktest(ctx context.Context, c settings.Backtest, getenv env, stdout, stderr io.Writer) error {
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("load catalogue: %w", err)
	}
	// Keys are the server's business: a missing one must not stop a replay.
	keys := func(k string) string { return cmp.Or(getenv(k), "unused-in-hook-backtest") }
	var cur, upd *rules.Ruleset
	if c.Export == "" {
		// The edited file first: one that does not check stops everything,
		// with the errors hook check prints.
		if upd, err = compileRules(c.Rules, cat, keys); err != nil {
			return rulesExit(err)
		}
		if cur, err = compileRules(c.Current, cat, keys); err != nil {
			var le *rules.LoadError
			if errors.As(err, &le) {
				return cli.Exit{Code: 1, Msg: "hook backtest: the rules now serving ($HOOK_RULES) have errors:\n" + le.Annotated()}
			}
			return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
		}
	}
	src, closeSrc, err := backtestSource(c, getenv)
	if err != nil {
		return err
	}
	defer closeSrc()
	if c.Export != "" {
		return exportTimeline(ctx, c, src, stdout, stderr)
	}
	defer backtest.TuneGC()()
	examples := c.Examples
	if examples == 0 {
		examples = -1 // none: 0 is the package's default
	}
	rep, err := backtest.Run(ctx, backtest.Options{Catalog: cat, Current: cur, New: upd, CurrentName: rulesName(c.Current, true),
		NewName: rulesName(c.Rules, false), Settle: c.Settle, Examples: examples}, src)
	if errors.Is(err, backtest.ErrNothing) {
		return cli.Exit{Code: 1, Msg: "hook backtest: " + c.Nothing()}
	}
	if err != nil {
		return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
	}
	if c.JSON {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteText(stdout)
}

// rulesExit is a rules file's load errors as hook check prints them.
func rulesExit(err error) error {
	var le *rules.LoadError
	if errors.As(err, &le) {
		return cli.Exit{Code: 1, Msg: le.Annotated()}
	}
	return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
}

// rulesName is how the report names a ruleset.
func rulesName(path string, serving bool) string {
	switch {
	case path == "":
		return "the embedded " + hook.ExampleRulesName
	case serving:
		return path + " ($HOOK_RULES)"
	}
	return path
}

// backtestSource is where the callbacks come from: a file, the record in
// Redis, or the record through a server's admin API.
func backtestSource(c settings.Backtest, getenv env) (backtest.Source, func(), error) {
	q := record.Query{From: c.From, To: c.To, App: c.App, Room: c.Room}
	switch {
	case c.Input != "":
		f, err := os.Open(c.Input)
		if err != nil {
			return nil, nil, cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
		}
		q.App = "" // the file's bodies are all c.DefaultApp's
		return backtest.Filter(backtest.ReadTimeline(f, c.DefaultApp), q), func() { f.Close() }, nil
	case c.RedisURL != "" && !c.URLGiven:
		rdb, _, err := redisconn.New(c.RedisURL, c.Timeout)
		if err != nil {
			return nil, nil, redisURLExit(err)
		}
		opts, err := settings.StoreOptions(getenv)
		if err != nil {
			rdb.Close()
			return nil, nil, err
		}
		layout, err := keyspace.NewLayout(keyPrefix, opts.Partitions)
		if err != nil {
			rdb.Close()
			return nil, nil, cli.Exit{Code: 2, Msg: "hook backtest: " + err.Error()}
		}
		r := record.NewReader(rdb, layout, c.Timeout)
		return func(ctx context.Context, fn func(record.Entry) error) error { return r.Read(ctx, q, fn) },
			func() { rdb.Close() }, nil
	}
	token := getenv("HOOK_ADMIN_TOKEN")
	if token == "" {
		return nil, nil, cli.Exit{Code: 2, Msg: "hook backtest: set HOOK_REDIS_URL to read the record from Redis, or HOOK_ADMIN_TOKEN to read it from the server at " + c.URL}
	}
	return func(ctx context.Context, fn func(record.Entry) error) error {
		return adminclient.StreamRecord(ctx, c.URL, token, q, fn)
	}, func() {}, nil
}

// exportTimeline writes the period as a timeline file (backtest.Export).
func exportTimeline(ctx context.Context, c settings.Backtest, src backtest.Source, stdout, stderr io.Writer) error {
	n, app, err := backtest.Export(ctx, src, c.Export, stdout)
	switch {
	case errors.Is(err, backtest.ErrSeveralApps):
		return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error() + " with --app"}
	case errors.Is(err, backtest.ErrNothing):
		return cli.Exit{Code: 1, Msg: "hook backtest: " + c.Nothing()}
	case err != nil:
		return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
	}
	fmt.Fprintf(stderr, "wrote %d callbacks of app %s to %s (replay: hook test --sequence --app %s %s)\n",
		n, app, c.Export, app, c.Export)
	return nil
}
