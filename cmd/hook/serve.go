package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"
	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/notify"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/store"
)

// keyPrefix starts every Redis key hook writes: "{hook}:..." for what is
// global, "{hook:pNN}:..." for the rooms of partition NN (see store.Layout).
const keyPrefix = "hook"

// serveConfig is everything "hook serve" reads from flags and the environment.
type serveConfig struct {
	listen       string
	rulesPath    string
	redisURL     string
	replayWindow time.Duration
	logFormat    string
	logLevel     string
	consumer     string
	slackToken   string
	slackWebhook string
	slackAPIURL  string
	slackSecret  string // SLACK_SIGNING_SECRET: buttons and /slack/interactions
	adminToken   string // HOOK_ADMIN_TOKEN: the /api/v1 admin API
	pprofListen  string // HOOK_PPROF_LISTEN: Go's profiler, on a private address
	trtcConsole  string // HOOK_TRTC_CONSOLE_URL: where pages link to TRTC's call-quality view
	self         string // how this hook was run, for the commands the banner prints (see invokedAs)
	shutdown     time.Duration
	reliability  reliabilityConfig
	record       recordConfig // HOOK_RECORD*: the record hook backtest replays
}

// serveFlags registers serve's flags on fs and returns the function that
// reads the configuration once fs is parsed and the environment applied.
func serveFlags(fs *pflag.FlagSet) func(args []string, getenv env) (serveConfig, error) {
	var c serveConfig
	var replay, shutdown string
	fs.StringVar(&c.listen, "listen", ":8080", "address to listen on")
	fromEnv(fs, "listen", "HOOK_LISTEN")
	fs.StringVar(&c.rulesPath, "rules", "", "rules file; without one, the embedded rules.example.yaml")
	fromEnv(fs, "rules", "HOOK_RULES")
	fs.StringVar(&c.redisURL, "redis", "", "redis:// or rediss:// URL; without one, an in-process Redis whose state is lost on exit")
	fromEnv(fs, "redis", "HOOK_REDIS_URL")
	fs.StringVar(&replay, "replay-window", handler.DefaultReplayWindow.String(), "refuse callbacks sent longer ago than this")
	fromEnv(fs, "replay-window", "HOOK_REPLAY_WINDOW")
	fs.StringVar(&c.logFormat, "log-format", "text", "text or json")
	fromEnv(fs, "log-format", "HOOK_LOG_FORMAT")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fromEnv(fs, "log-level", "HOOK_LOG_LEVEL")
	fs.StringVar(&shutdown, "shutdown-timeout", "10s", "on SIGTERM, how long requests in flight may take to finish")
	fromEnv(fs, "shutdown-timeout", "HOOK_SHUTDOWN_TIMEOUT")
	reliability := reliabilityFlags(fs)
	recordOpts := recordFlags(fs)
	return func(args []string, getenv env) (serveConfig, error) {
		return c.read(args, getenv, replay, shutdown, reliability, recordOpts)
	}
}

// parseServe reads serve's command line on its own (flags, each defaulting
// to its environment variable), for tests.
func parseServe(args []string, getenv env, _ io.Writer) (serveConfig, error) {
	fs := pflag.NewFlagSet("hook serve", pflag.ContinueOnError)
	read := serveFlags(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return serveConfig{}, err
	}
	return read(fs.Args(), getenv)
}

// read checks the flags once parsed and adds the settings only the
// environment gives.
func (c serveConfig) read(args []string, getenv env, replay, shutdown string, reliability func() (reliabilityConfig, error),
	recordOpts func() (recordConfig, error)) (serveConfig, error) {
	if len(args) > 0 {
		return c, exitError{code: 2, msg: fmt.Sprintf("hook serve: unexpected argument %q", args[0])}
	}
	d, err := time.ParseDuration(replay)
	if err != nil || d <= 0 {
		return c, exitError{code: 2, msg: fmt.Sprintf("hook serve: --replay-window %q is not a positive duration like 10m", replay)}
	}
	c.replayWindow = d
	if c.shutdown, err = time.ParseDuration(shutdown); err != nil || c.shutdown <= 0 {
		return c, exitError{code: 2, msg: fmt.Sprintf("hook serve: --shutdown-timeout %q is not a positive duration like 10s", shutdown)}
	}
	if c.reliability, err = reliability(); err != nil {
		return c, err
	}
	if c.record, err = recordOpts(); err != nil {
		return c, err
	}
	host, _ := os.Hostname()
	c.consumer = cmp.Or(getenv("HOOK_CONSUMER"), host, "hook")
	c.slackToken = getenv("SLACK_BOT_TOKEN")
	c.slackWebhook = getenv("SLACK_WEBHOOK_URL")
	c.slackAPIURL = getenv("SLACK_API_URL")
	c.slackSecret, c.adminToken = getenv("SLACK_SIGNING_SECRET"), getenv("HOOK_ADMIN_TOKEN")
	c.pprofListen = getenv("HOOK_PPROF_LISTEN")
	c.trtcConsole = strings.TrimSpace(getenv("HOOK_TRTC_CONSOLE_URL"))
	if u, err := url.Parse(c.trtcConsole); c.trtcConsole != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return c, exitError{code: 2, msg: fmt.Sprintf("hook serve: HOOK_TRTC_CONSOLE_URL %q is not an http(s) URL like %s", c.trtcConsole, notify.DefaultTRTCConsole)}
	}
	return c, nil
}

func newLogger(c serveConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, exitError{code: 2, msg: fmt.Sprintf("hook serve: log level %q: use debug, info, warn or error", c.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, exitError{code: 2, msg: fmt.Sprintf("hook serve: log format %q: use text or json", c.logFormat)}
}

// cmdServe runs the callback server and the page dispatcher until ctx ends.
func cmdServe(ctx context.Context, cfg serveConfig, getenv env, stdout, stderr io.Writer) error {
	return serve(ctx, cfg, getenv, stdout, stderr, serveHooks{})
}

// serveHooks are what a test changes or watches of serve; the zero value is
// the real program.
type serveHooks struct {
	// now is what the server takes to be the time (a callback's replay
	// window, rule windows and waits, timers, pages' age); nil: time.Now.
	// Tickers still run in real time: tests play timelines on a clock of
	// their own and wait for what the tickers do.
	now func() time.Time
	// population, when set, is handed the room population once it runs.
	population func(*population.Tracker)
}

// serve is cmdServe with hooks.
func serve(ctx context.Context, cfg serveConfig, getenv env, stdout, stderr io.Writer, hooks serveHooks) error {
	now := hooks.now
	if now == nil {
		now = time.Now
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	cfg.adminToken = serveAdminToken(cfg.adminToken, cfg.redisURL, getenv, log)
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("load catalogue: %w", err)
	}

	rs, err := loadRules(cfg.rulesPath, cat, getenv)
	if err != nil {
		return err
	}
	devKey := ""
	if !rs.HasKeys() {
		// No key at all: invent one for this run so a fresh clone works end to
		// end, and no well-known key ever guards a real server.
		devKey = rand.Text()[:16]
		getenv = withKey(getenv, devKey)
		if rs, err = loadRules(cfg.rulesPath, cat, getenv); err != nil {
			return err
		}
	}

	rel := cfg.reliability
	storeOpts, err := storeOptions(getenv)
	if err != nil {
		return err
	}
	rdb, closeRedis, err := openRedis(cfg.redisURL, rel.redisTimeout, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	reg := newRegistry()
	store.NewMetrics(reg).Instrument(rdb)
	st, err := openStore(rdb, storeOpts, log)
	if err != nil {
		return err
	}
	batch, err := redisBatch(getenv)
	if err != nil {
		return err
	}
	if batch > 0 {
		b := store.NewBatcher(rdb, batch, rel.redisTimeout)
		defer b.Close()
		st.WithBatcher(b)
	}
	reg.MustRegister(store.NewOutboxCollector(st, time.Second, now))

	// Closed after the server has stopped (defers run last in, first out):
	// the room events of the last callbacks are written before Redis closes.
	pop := newPopulation(rdb, st.Layout(), rel.redisTimeout, now, reg, log)
	defer pop.Close()
	if hooks.population != nil {
		hooks.population(pop)
	}
	recorder, recordSource, stopRecord := newRecord(cfg.record, cfg.redisURL == "", rdb, st.Layout(), rel.redisTimeout, reg, log)
	defer stopRecord()
	router := engine.New(cat, rs, st, now, engine.NewMetrics(reg)).WithCommitTimeout(rel.redisTimeout).
		WithPopulation(pop).WithAppPopulation(pop)
	startReload(ctx, cfg.rulesPath, router, cat, getenv, reg, log)
	senders, err := newSenders(cfg, rdb, st, stdout, log)
	if err != nil {
		return err
	}
	// Delivery settings are read at startup: a reload changes rules, not workers.
	delivery := rs.Delivery()
	notifyMetrics := notify.NewMetrics(reg)
	notifyMetrics.Receivers(rs.ReceiverNames()...)
	dcfg := notify.DispatcherConfig{Consumer: cfg.consumer, MaxAge: delivery.MaxAge, Fallback: delivery.Fallback, Flood: delivery.Flood, Metrics: notifyMetrics,
		BackoffMax: rel.retryMax, ReclaimIdle: rel.reclaimIdle, StoreTimeout: rel.redisTimeout}
	// Who is in each room tells a user's page what their room entry (103)
	// said of their client.
	enricher, err := newEnricher(getenv, cat, st, members(pop), now, reg, log)
	if err != nil {
		return err
	}
	if enricher != nil {
		dcfg.Enricher = enricher
		dcfg.FollowUps = enricher
		router.WithRoomLog(st)
	}
	dispatcher := notify.NewDispatcher(st, senders, dcfg, log, now)

	h := handler.New(handler.Config{ReplayWindow: cfg.replayWindow, AdminToken: cfg.adminToken, SlackSigningSecret: buttonSecret(cfg, log)},
		handler.Deps{Router: router, Catalog: cat, Store: st, Log: log, Now: now, Outbox: st, Digests: st, Slack: slackActions(st),
			Silences: st, Rules: router, Metrics: handler.NewMetrics(reg), Gatherer: reg,
			Record: recorder, RecordReader: recordSource})
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	stopPprof, err := servePprof(ctx, cfg.pprofListen, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopPprof()
	// WriteTimeout runs from the end of the request's headers: it must leave
	// room for the slowest body ReadTimeout allows plus the request's own
	// deadline, or a 503 would be cut off unsent.
	const readTimeout = 10 * time.Second
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: readTimeout,
		WriteTimeout: readTimeout + handler.DefaultRequestTimeout + time.Second}

	log.Info("rules loaded", "source", rs.Source(), "rules", rs.Len())
	for _, w := range rs.Warnings() {
		log.Warn("rules: " + w)
	}
	for _, app := range rs.KeylessApps() {
		if _, ok := rs.Key(app); !ok {
			log.Warn("rules: an app listed without a callback_key takes "+rules.AllAppsKeyEnv+", which is not set: its callbacks are refused (401)", "app", app)
		}
	}
	printWelcome(stdout, ln.Addr().String(), devKey, cfg.self)

	var wg sync.WaitGroup
	dispatchCtx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() {
		// Redis may not answer yet: HTTP serves meanwhile (callbacks 503).
		if !waitForRedis(dispatchCtx, st, rel.redisTimeout, log) {
			return
		}
		migrate(dispatchCtx, st, log) // a hook from before partitioning: its silences
		var timers sync.WaitGroup
		timers.Go(func() { runTimers(dispatchCtx, router, tickEvery, rel.redisTimeout, log) }) // pending alerts and group flushes
		timers.Go(func() { pop.Run(dispatchCtx) })                                             // app counts, idle rooms
		_ = dispatcher.Run(dispatchCtx)
		timers.Wait()
	})
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight")
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdown)
		err = srv.Shutdown(shutCtx)
		cancel()
	}
	stopDispatch()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info(stoppedMessage(cfg.redisURL))
	return err
}

// loadRules is compileRules for the server: errors become exit status 1
// with every problem listed.
func loadRules(path string, cat *catalog.Catalog, getenv env) (*rules.Ruleset, error) {
	rs, err := compileRules(path, cat, getenv)
	if err != nil {
		var le *rules.LoadError
		if errors.As(err, &le) {
			return nil, exitError{code: 1, msg: "hook: the rules file has errors:\n" + le.Annotated()}
		}
		return nil, err
	}
	return rs, nil
}

// withKey returns getenv with TRTC_CALLBACK_KEY set to key. Reloads go
// through it too, so the development key stays valid for the whole run.
func withKey(getenv env, key string) env {
	return func(k string) string {
		if k == rules.AllAppsKeyEnv {
			return key
		}
		return getenv(k)
	}
}

// openRedis connects to url, or starts an in-process Redis when url is empty.
// Every call the client makes ends within timeout.
func openRedis(url string, timeout time.Duration, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if url == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, nil, fmt.Errorf("start in-process redis: %w", err)
		}
		log.Warn("HOOK_REDIS_URL is not set: state is in memory (in-process Redis) and lost on exit")
		rdb := redis.NewClient(boundClient(&redis.Options{Addr: mr.Addr()}, timeout))
		return rdb, func() { rdb.Close(); mr.Close() }, nil
	}
	rdb, topology, err := redisClient(url, timeout)
	if err != nil {
		return nil, nil, err
	}
	log.Info("state store", "redis", topology)
	return rdb, func() { rdb.Close() }, nil
}

// redisClient builds the client HOOK_REDIS_URL describes:
//
//	redis://[:password@]host:6379/0                     one server (rediss:// for TLS)
//	redis://host1:6379?addr=host2:6379&addr=host3:6379   Redis Cluster (seed nodes)
//	redis://host1:26379?master_name=mymaster&addr=...    Sentinel (sentinel nodes)
//
// topology describes it for the log, without the password.
func redisClient(url string, timeout time.Duration) (rdb redis.UniversalClient, topology string, err error) {
	// Parse errors can echo the URL, password included: say only what is wrong.
	invalid := func(kind string) error {
		return exitError{code: 2, msg: "hook: HOOK_REDIS_URL is not a valid " + kind + " URL (see docs/deploy.md, Redis Cluster and Sentinel)"}
	}
	switch {
	case strings.Contains(url, "master_name="):
		opts, err := redis.ParseFailoverURL(url)
		if err != nil {
			return nil, "", invalid("Redis Sentinel")
		}
		return redis.NewFailoverClient(boundFailover(opts, timeout)), fmt.Sprintf("sentinel master %q via %v", opts.MasterName, opts.SentinelAddrs), nil
	case strings.Contains(url, "addr="):
		opts, err := redis.ParseClusterURL(url)
		if err != nil {
			return nil, "", invalid("Redis Cluster")
		}
		return redis.NewClusterClient(boundCluster(opts, timeout)), fmt.Sprintf("cluster seeds %v, tls %v", opts.Addrs, opts.TLSConfig != nil), nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, "", invalid("redis:// or rediss://")
	}
	return redis.NewClient(boundClient(opts, timeout)), fmt.Sprintf("%s db %d, tls %v", opts.Addr, opts.DB, opts.TLSConfig != nil), nil
}

// newSenders picks how each receiver kind is delivered. Without Slack
// credentials, Slack pages print to the console instead of vanishing.
func newSenders(cfg serveConfig, rdb redis.UniversalClient, st *store.Redis, stdout io.Writer, log *slog.Logger) (map[alert.ReceiverKind]notify.Sender, error) {
	console := notify.NewConsole(stdout)
	console.TRTCConsole = cfg.trtcConsole
	senders := map[alert.ReceiverKind]notify.Sender{alert.ReceiverConsole: console}
	switch {
	case cfg.slackToken != "":
		var opts []slack.Option
		if cfg.slackAPIURL != "" {
			opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(cfg.slackAPIURL, "/")+"/"))
		}
		opts = append(opts, slack.OptionHTTPClient(slacknotify.NewHTTPClient(10*time.Second, time.Now)))
		client := slack.New(cfg.slackToken, opts...)
		api := slacknotify.NewAPI(client, store.NewThreads(rdb, keyPrefix), log)
		api.Buttons = cfg.slackSecret != ""
		api.Acks = st
		api.TRTCConsole = cfg.trtcConsole
		senders[alert.ReceiverSlack] = api
		log.Info("slack delivery: Web API (bot token)")
	case cfg.slackWebhook != "":
		wh := slacknotify.NewWebhook(cfg.slackWebhook, &http.Client{Timeout: 10 * time.Second})
		wh.TRTCConsole = cfg.trtcConsole
		senders[alert.ReceiverSlack] = wh
		log.Info("slack delivery: incoming webhook")
	default:
		senders[alert.ReceiverSlack] = console
		log.Warn("no SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL: Slack pages print to stdout")
	}
	return senders, nil
}

// printWelcome is the banner: where hook listens, and how to send it a test
// callback with self, the command that runs this hook ("hook", "./hook",
// "go run ./cmd/hook").
func printWelcome(w io.Writer, addr, devKey, self string) {
	fmt.Fprintf(w, "hook listening on %s\n", addr)
	port := addr[strings.LastIndex(addr, ":")+1:]
	keyHint := "$TRTC_CALLBACK_KEY"
	if devKey != "" {
		keyHint = devKey
		fmt.Fprintf(w, "No callback key configured: this run accepts callbacks signed with the development key %s\n", devKey)
		fmt.Fprintln(w, "(set TRTC_CALLBACK_KEY, or per-app keys in the rules file, for real use).")
	}
	fmt.Fprintf(w, `Send a test callback (anchor u42 of the live app 1400000001 leaving room 8489 by timeout; the page follows 30 s later, unless they come back):
  now=$(date +%%s%%3N)
  body='{"EventGroupId":1,"EventType":104,"CallbackTs":'$now',"EventInfo":{"RoomId":8489,"EventTs":'${now%%???}',"EventMsTs":'$now',"UserId":"u42","Role":20,"Reason":2}}'
  curl -s -H "SdkAppId: 1400000001" -H "Sign: $(printf %%s "$body" | %s sign --key %s)" --data-binary "$body" http://localhost:%s/callback
Or play realistic scenarios (users timing out, a failed upload, a failed relay):
  %s simulate --url http://localhost:%s/callback --key %s
`, self, keyHint, port, self, port, keyHint)
}
