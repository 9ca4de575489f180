// Package settings is the settings of hook serve and hook backtest: their
// flags, each falling back on an environment variable, the settings only
// the environment gives, and their checks, which refuse what cannot be
// meant with exit status 2 and a message that says what to give. It reads;
// cmd/hook wires what it read.
package settings

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/notify/words"
)

// Serve is everything hook serve reads from flags and the environment.
type Serve struct {
	Listen       string
	RulesPath    string
	RedisURL     string
	ReplayWindow time.Duration
	LogFormat    string
	LogLevel     string
	Consumer     string
	SlackToken   string
	SlackWebhook string
	SlackAPIURL  string
	SlackSecret  string // SLACK_SIGNING_SECRET: buttons and /slack/interactions
	AdminToken   string // HOOK_ADMIN_TOKEN: the /api/v1 admin API
	PprofListen  string // HOOK_PPROF_LISTEN: Go's profiler, on a private address
	TRTCConsole  string // HOOK_TRTC_CONSOLE_URL: where pages link to TRTC's call-quality view
	Self         string // how this hook was run, for the commands the banner prints (see cli.InvokedAs)
	Shutdown     time.Duration
	Reliability  Reliability
	Record       Record // HOOK_RECORD*: the record hook backtest replays
}

// ServeFlags registers serve's flags on fs and returns the function that
// reads the configuration once fs is parsed and the environment applied.
// replayWindow is the handler's default for --replay-window.
func ServeFlags(fs *pflag.FlagSet, replayWindow time.Duration) func(args []string, getenv func(string) string) (Serve, error) {
	var c Serve
	var replay, shutdown string
	fs.StringVar(&c.Listen, "listen", ":8080", "address to listen on")
	cli.FromEnv(fs, "listen", "HOOK_LISTEN")
	fs.StringVar(&c.RulesPath, "rules", "", "rules file; without one, the embedded rules.example.yaml")
	cli.FromEnv(fs, "rules", "HOOK_RULES")
	fs.StringVar(&c.RedisURL, "redis", "", "redis:// or rediss:// URL; without one, an in-process Redis whose state is lost on exit")
	cli.FromEnv(fs, "redis", "HOOK_REDIS_URL")
	fs.StringVar(&replay, "replay-window", replayWindow.String(), "refuse callbacks sent longer ago than this")
	cli.FromEnv(fs, "replay-window", "HOOK_REPLAY_WINDOW")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	cli.FromEnv(fs, "log-format", "HOOK_LOG_FORMAT")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	cli.FromEnv(fs, "log-level", "HOOK_LOG_LEVEL")
	fs.StringVar(&shutdown, "shutdown-timeout", "10s", "on SIGTERM, how long requests in flight may take to finish")
	cli.FromEnv(fs, "shutdown-timeout", "HOOK_SHUTDOWN_TIMEOUT")
	reliability := reliabilityFlags(fs)
	recordOpts := recordFlags(fs)
	return func(args []string, getenv func(string) string) (Serve, error) {
		return c.read(args, getenv, replay, shutdown, reliability, recordOpts)
	}
}

// ParseServe reads serve's command line on its own (flags, each defaulting
// to its environment variable), for tests.
func ParseServe(args []string, getenv func(string) string, replayWindow time.Duration) (Serve, error) {
	fs := pflag.NewFlagSet("hook serve", pflag.ContinueOnError)
	read := ServeFlags(fs, replayWindow)
	if err := cli.ParseFlags(fs, args, getenv); err != nil {
		return Serve{}, err
	}
	return read(fs.Args(), getenv)
}

// read checks the flags once parsed and adds the settings only the
// environment gives.
func (c Serve) read(args []string, getenv func(string) string, replay, shutdown string, reliability func() (Reliability, error),
	recordOpts func() (Record, error)) (Serve, error) {
	if len(args) > 0 {
		return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: unexpected argument %q", args[0])}
	}
	d, err := time.ParseDuration(replay)
	if err != nil || d <= 0 {
		return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --replay-window %q is not a positive duration like 10m", replay)}
	}
	c.ReplayWindow = d
	if c.Shutdown, err = time.ParseDuration(shutdown); err != nil || c.Shutdown <= 0 {
		return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --shutdown-timeout %q is not a positive duration like 10s", shutdown)}
	}
	if c.Reliability, err = reliability(); err != nil {
		return c, err
	}
	if c.Record, err = recordOpts(); err != nil {
		return c, err
	}
	host, _ := os.Hostname()
	c.Consumer = cmp.Or(getenv("HOOK_CONSUMER"), host, "hook")
	c.SlackToken = getenv("SLACK_BOT_TOKEN")
	c.SlackWebhook = getenv("SLACK_WEBHOOK_URL")
	c.SlackAPIURL = getenv("SLACK_API_URL")
	c.SlackSecret, c.AdminToken = getenv("SLACK_SIGNING_SECRET"), getenv("HOOK_ADMIN_TOKEN")
	c.PprofListen = getenv("HOOK_PPROF_LISTEN")
	c.TRTCConsole = strings.TrimSpace(getenv("HOOK_TRTC_CONSOLE_URL"))
	if u, err := url.Parse(c.TRTCConsole); c.TRTCConsole != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: HOOK_TRTC_CONSOLE_URL %q is not an http(s) URL like %s", c.TRTCConsole, words.DefaultTRTCConsole)}
	}
	return c, nil
}

// Logger is the log the settings ask for, writing to w.
func (c Serve) Logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: log level %q: use debug, info, warn or error", c.LogLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: log format %q: use text or json", c.LogFormat)}
}
