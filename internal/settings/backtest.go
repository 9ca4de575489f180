package settings

import (
	"cmp"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/backtest"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/record"
)

// Backtest is what `hook backtest` was asked.
type Backtest struct {
	Rules      string // NEW.yaml
	Current    string // HOOK_RULES; "": the embedded example
	Since      time.Duration
	From, To   time.Time
	App, Room  string
	JSON       bool
	Input      string // a file to replay instead of the record
	Export     string // a file to write the period to, instead of replaying it
	URL        string // a server's admin API
	URLGiven   bool   // --url on the command line: read from the server even with HOOK_REDIS_URL
	RedisURL   string
	Settle     time.Duration
	Examples   int
	Timeout    time.Duration // each Redis round trip
	DefaultApp string        // the app a file's bodies arrive as
}

// BacktestFlags registers backtest's flags on fs and returns the function
// that checks them once fs is parsed and the environment applied.
func BacktestFlags(fs *pflag.FlagSet) func(args []string, getenv func(string) string, now time.Time) (Backtest, error) {
	var c Backtest
	var from, to string
	fs.StringVar(&c.Rules, "rules", "", "the edited rules file to compare with the rules now serving")
	fs.DurationVar(&c.Since, "since", 0, "replay the callbacks of this long before now (default 24h, the record's age)")
	fs.StringVar(&from, "from", "", "replay from this time (RFC 3339, e.g. 2026-03-01T12:00:00Z)")
	fs.StringVar(&to, "to", "", "replay up to this time (RFC 3339; default: now)")
	fs.StringVar(&c.App, "app", "", "only this SdkAppId (with --input: the SdkAppId the file's bodies arrive as, default 1400000001)")
	fs.StringVar(&c.Room, "room", "", "only this room id")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&c.Input, "input", "", "replay this file (a timeline as hook test --sequence reads, or a saved record stream) instead of the record")
	fs.StringVar(&c.Export, "export", "", "write the period's callbacks to this file as a timeline (hook test --sequence reads it; - for stdout), and replay nothing")
	fs.StringVar(&c.URL, "url", "http://localhost:8080", "the server whose record to read through its admin API (used unless --redis or HOOK_REDIS_URL is set)")
	cli.FromEnv(fs, "url", "HOOK_URL")
	fs.StringVar(&c.RedisURL, "redis", "", "read the record from this Redis")
	cli.FromEnv(fs, "redis", "HOOK_REDIS_URL")
	fs.DurationVar(&c.Settle, "settle", backtest.DefaultSettle, "keep firing timers this long after the last callback")
	fs.IntVar(&c.Examples, "examples", backtest.DefaultExamples, "pages shown for each side of a changed rule")
	return func(args []string, getenv func(string) string, now time.Time) (Backtest, error) {
		c := c
		c.Current, c.Timeout = getenv("HOOK_RULES"), DefaultRedisTimeout
		c.URLGiven = fs.Changed("url")
		return c.check(args, from, to, now)
	}
}

// ParseBacktest reads backtest's command line on its own, for tests.
func ParseBacktest(args []string, getenv func(string) string, now time.Time) (Backtest, error) {
	fs := pflag.NewFlagSet("hook backtest", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	read := BacktestFlags(fs)
	if err := cli.ParseFlags(fs, args, getenv); err != nil {
		return Backtest{}, err
	}
	return read(fs.Args(), getenv, now)
}

// check refuses what cannot be meant and works out the period.
func (c Backtest) check(args []string, from, to string, now time.Time) (Backtest, error) {
	usage := func(msg string) error {
		return cli.Exit{Code: 2, Msg: "hook backtest: " + msg + " (hook backtest --help)"}
	}
	switch {
	case len(args) > 0:
		return c, usage(fmt.Sprintf("unexpected argument %q", args[0]))
	case c.Rules == "" && c.Export == "":
		return c, usage("say which rules to compare with --rules NEW.yaml")
	case c.Export != "" && c.Input != "":
		return c, usage("--export writes the record to a file; --input replays a file: not both")
	case c.Export != "" && c.Rules != "":
		return c, usage("--export replays nothing: drop --rules, or --export")
	case c.Since != 0 && from != "":
		return c, usage("give --since or --from, not both")
	case c.Since < 0:
		return c, usage("--since must be positive")
	case c.Examples < 0:
		return c, usage("--examples must be 0 or more")
	}
	var err error
	if c.From, err = parseTime("--from", from); err != nil {
		return c, err
	}
	if c.To, err = parseTime("--to", to); err != nil {
		return c, err
	}
	if c.From.IsZero() && c.Input == "" {
		c.From = now.Add(-cmp.Or(c.Since, record.DefaultMaxAge))
	} else if c.Since > 0 {
		c.From = now.Add(-c.Since)
	}
	if !c.To.IsZero() && c.To.Before(c.From) {
		return c, usage("--to is before --from")
	}
	c.DefaultApp = cmp.Or(c.App, "1400000001")
	return c, nil
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

// Nothing says what the period held none of, and where to look.
func (c Backtest) Nothing() string {
	what := "no callbacks"
	if c.App != "" {
		what += " of app " + c.App
	}
	if c.Room != "" {
		what += " in room " + c.Room
	}
	to := "now"
	if !c.To.IsZero() {
		to = c.To.UTC().Format(time.RFC3339)
	}
	if c.Input != "" {
		return what + " in " + c.Input + " for that period"
	}
	return fmt.Sprintf("%s recorded from %s to %s (is the record on? HOOK_RECORD, and HOOK_RECORD_AGE: it keeps %s by default)",
		what, c.From.UTC().Format(time.RFC3339), to, record.DefaultMaxAge)
}
