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
	"github.com/spf13/pflag"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/adminclient"
	"github.com/hookdev/hook/internal/backtest"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/config"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/redisconn"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/store"
)

// backtestConfig is what `hook backtest` was asked.
type backtestConfig struct {
	rules      string // NEW.yaml
	current    string // HOOK_RULES; "": the embedded example
	since      time.Duration
	from, to   time.Time
	app, room  string
	json       bool
	input      string // a file to replay instead of the record
	export     string // a file to write the period to, instead of replaying it
	url        string // a server's admin API
	urlGiven   bool   // --url on the command line: read from the server even with HOOK_REDIS_URL
	redisURL   string
	settle     time.Duration
	examples   int
	timeout    time.Duration // each Redis round trip
	defaultApp string        // the app a file's bodies arrive as
}

// backtestFlags registers backtest's flags on fs and returns the function
// that checks them once fs is parsed and the environment applied.
func backtestFlags(fs *pflag.FlagSet) func(args []string, getenv env, now time.Time) (backtestConfig, error) {
	var c backtestConfig
	var from, to string
	fs.StringVar(&c.rules, "rules", "", "the edited rules file to compare with the rules now serving")
	fs.DurationVar(&c.since, "since", 0, "replay the callbacks of this long before now (default 24h, the record's age)")
	fs.StringVar(&from, "from", "", "replay from this time (RFC 3339, e.g. 2026-03-01T12:00:00Z)")
	fs.StringVar(&to, "to", "", "replay up to this time (RFC 3339; default: now)")
	fs.StringVar(&c.app, "app", "", "only this SdkAppId (with --input: the SdkAppId the file's bodies arrive as, default 1400000001)")
	fs.StringVar(&c.room, "room", "", "only this room id")
	fs.BoolVar(&c.json, "json", false, "print the report as JSON")
	fs.StringVar(&c.input, "input", "", "replay this file (a timeline as hook test --sequence reads, or a saved record stream) instead of the record")
	fs.StringVar(&c.export, "export", "", "write the period's callbacks to this file as a timeline (hook test --sequence reads it; - for stdout), and replay nothing")
	fs.StringVar(&c.url, "url", "http://localhost:8080", "the server whose record to read through its admin API (used unless --redis or HOOK_REDIS_URL is set)")
	cli.FromEnv(fs, "url", "HOOK_URL")
	fs.StringVar(&c.redisURL, "redis", "", "read the record from this Redis")
	cli.FromEnv(fs, "redis", "HOOK_REDIS_URL")
	fs.DurationVar(&c.settle, "settle", backtest.DefaultSettle, "keep firing timers this long after the last callback")
	fs.IntVar(&c.examples, "examples", backtest.DefaultExamples, "pages shown for each side of a changed rule")
	return func(args []string, getenv env, now time.Time) (backtestConfig, error) {
		c := c
		c.current, c.timeout = getenv("HOOK_RULES"), config.DefaultRedisTimeout
		c.urlGiven = fs.Changed("url")
		return c.check(args, from, to, now)
	}
}

// parseBacktest reads backtest's command line on its own, for tests.
func parseBacktest(args []string, getenv env, _ io.Writer, now time.Time) (backtestConfig, error) {
	fs := pflag.NewFlagSet("hook backtest", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	read := backtestFlags(fs)
	if err := cli.ParseFlags(fs, args, getenv); err != nil {
		return backtestConfig{}, err
	}
	return read(fs.Args(), getenv, now)
}

// check refuses what cannot be meant and works out the period.
func (c backtestConfig) check(args []string, from, to string, now time.Time) (backtestConfig, error) {
	usage := func(msg string) error {
		return cli.Exit{Code: 2, Msg: "hook backtest: " + msg + " (hook backtest --help)"}
	}
	switch {
	case len(args) > 0:
		return c, usage(fmt.Sprintf("unexpected argument %q", args[0]))
	case c.rules == "" && c.export == "":
		return c, usage("say which rules to compare with --rules NEW.yaml")
	case c.export != "" && c.input != "":
		return c, usage("--export writes the record to a file; --input replays a file: not both")
	case c.export != "" && c.rules != "":
		return c, usage("--export replays nothing: drop --rules, or --export")
	case c.since != 0 && from != "":
		return c, usage("give --since or --from, not both")
	case c.since < 0:
		return c, usage("--since must be positive")
	case c.examples < 0:
		return c, usage("--examples must be 0 or more")
	}
	var err error
	if c.from, err = parseTime("--from", from); err != nil {
		return c, err
	}
	if c.to, err = parseTime("--to", to); err != nil {
		return c, err
	}
	if c.from.IsZero() && c.input == "" {
		c.from = now.Add(-cmp.Or(c.since, record.DefaultMaxAge))
	} else if c.since > 0 {
		c.from = now.Add(-c.since)
	}
	if !c.to.IsZero() && c.to.Before(c.from) {
		return c, usage("--to is before --from")
	}
	c.defaultApp = cmp.Or(c.app, "1400000001")
	return c, nil
}

// newBacktestCmd is `hook backtest`: what the recorded callbacks (or a file)
// would have paged under an edited rules file (internal/backtest).
func newBacktestCmd(c *proc) *cobra.Command {
	var read func(args []string, getenv env, now time.Time) (backtestConfig, error)
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
	read = backtestFlags(cmd.Flags())
	return cmd
}

// parseTime reads a time as RFC 3339, or as "2006-01-02 15:04[:05]" in UTC.
func parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook backtest: %s %q is not a time like 2026-03-01T12:00:00Z", flagName, s)}
}

// runBacktest runs `hook backtest` as c asks.
func runBacktest(ctx context.Context, c backtestConfig, getenv env, stdout, stderr io.Writer) error {
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("load catalogue: %w", err)
	}
	// Keys are the server's business: a missing one must not stop a replay.
	keys := func(k string) string { return cmp.Or(getenv(k), "unused-in-hook-backtest") }
	var cur, upd *rules.Ruleset
	if c.export == "" {
		// The edited file first: one that does not check stops everything,
		// with the errors hook check prints.
		if upd, err = compileRules(c.rules, cat, keys); err != nil {
			return rulesExit(err)
		}
		if cur, err = compileRules(c.current, cat, keys); err != nil {
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
	if c.export != "" {
		return exportTimeline(ctx, c, src, stdout, stderr)
	}
	defer backtest.TuneGC()()
	examples := c.examples
	if examples == 0 {
		examples = -1 // none: 0 is the package's default
	}
	rep, err := backtest.Run(ctx, backtest.Options{Catalog: cat, Current: cur, New: upd, CurrentName: rulesName(c.current, true),
		NewName: rulesName(c.rules, false), Settle: c.settle, Examples: examples}, src)
	if errors.Is(err, backtest.ErrNothing) {
		return cli.Exit{Code: 1, Msg: "hook backtest: " + nothingMessage(c)}
	}
	if err != nil {
		return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
	}
	if c.json {
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

func nothingMessage(c backtestConfig) string {
	what := "no callbacks"
	if c.app != "" {
		what += " of app " + c.app
	}
	if c.room != "" {
		what += " in room " + c.room
	}
	to := "now"
	if !c.to.IsZero() {
		to = c.to.UTC().Format(time.RFC3339)
	}
	if c.input != "" {
		return what + " in " + c.input + " for that period"
	}
	return fmt.Sprintf("%s recorded from %s to %s (is the record on? HOOK_RECORD, and HOOK_RECORD_AGE: it keeps %s by default)",
		what, c.from.UTC().Format(time.RFC3339), to, record.DefaultMaxAge)
}

// backtestSource is where the callbacks come from: a file, the record in
// Redis, or the record through a server's admin API.
func backtestSource(c backtestConfig, getenv env) (backtest.Source, func(), error) {
	q := record.Query{From: c.from, To: c.to, App: c.app, Room: c.room}
	switch {
	case c.input != "":
		f, err := os.Open(c.input)
		if err != nil {
			return nil, nil, cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
		}
		q.App = "" // the file's bodies are all c.defaultApp's
		return backtest.Filter(backtest.ReadTimeline(f, c.defaultApp), q), func() { f.Close() }, nil
	case c.redisURL != "" && !c.urlGiven:
		rdb, _, err := redisconn.New(c.redisURL, c.timeout)
		if err != nil {
			return nil, nil, redisURLExit(err)
		}
		opts, err := config.StoreOptions(getenv)
		if err != nil {
			rdb.Close()
			return nil, nil, err
		}
		layout, err := store.NewLayout(keyPrefix, opts.Partitions)
		if err != nil {
			rdb.Close()
			return nil, nil, cli.Exit{Code: 2, Msg: "hook backtest: " + err.Error()}
		}
		r := record.NewReader(rdb, layout, c.timeout)
		return func(ctx context.Context, fn func(record.Entry) error) error { return r.Read(ctx, q, fn) },
			func() { rdb.Close() }, nil
	}
	token := getenv("HOOK_ADMIN_TOKEN")
	if token == "" {
		return nil, nil, cli.Exit{Code: 2, Msg: "hook backtest: set HOOK_REDIS_URL to read the record from Redis, or HOOK_ADMIN_TOKEN to read it from the server at " + c.url}
	}
	return func(ctx context.Context, fn func(record.Entry) error) error {
		return adminclient.StreamRecord(ctx, c.url, token, q, fn)
	}, func() {}, nil
}

// exportTimeline writes the period as a timeline file (backtest.Export).
func exportTimeline(ctx context.Context, c backtestConfig, src backtest.Source, stdout, stderr io.Writer) error {
	n, app, err := backtest.Export(ctx, src, c.export, stdout)
	switch {
	case errors.Is(err, backtest.ErrSeveralApps):
		return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error() + " with --app"}
	case errors.Is(err, backtest.ErrNothing):
		return cli.Exit{Code: 1, Msg: "hook backtest: " + nothingMessage(c)}
	case err != nil:
		return cli.Exit{Code: 1, Msg: "hook backtest: " + err.Error()}
	}
	fmt.Fprintf(stderr, "wrote %d callbacks of app %s to %s (replay: hook test --sequence --app %s %s)\n",
		n, app, c.export, app, c.export)
	return nil
}
