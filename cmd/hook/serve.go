package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/notify"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/redisconn"
	"github.com/hookdev/hook/internal/rooms"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/settings"
	"github.com/hookdev/hook/internal/silence"
	"github.com/hookdev/hook/internal/state"
	"github.com/hookdev/hook/internal/threads"
)

// keyPrefix starts every Redis key hook writes: "{hook}:..." for what is
// global, "{hook:pNN}:..." for the rooms of partition NN (see keyspace.Layout).
const keyPrefix = "hook"

// cmdServe runs the callback server and the page dispatcher until ctx ends.
func cmdServe(ctx context.Context, cfg settings.Serve, getenv env, stdout, stderr io.Writer) error {
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
func serve(ctx context.Context, cfg settings.Serve, getenv env, stdout, stderr io.Writer, hooks serveHooks) error {
	now := hooks.now
	if now == nil {
		now = time.Now
	}
	log, err := cfg.Logger(stderr)
	if err != nil {
		return err
	}
	cfg.AdminToken = serveAdminToken(cfg.AdminToken, cfg.RedisURL, getenv, log)
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("load catalogue: %w", err)
	}

	rs, err := loadRules(cfg.RulesPath, cat, getenv)
	if err != nil {
		return err
	}
	devKey := ""
	if !rs.HasKeys() {
		// No key at all: invent one for this run so a fresh clone works end to
		// end, and no well-known key ever guards a real server.
		devKey = rand.Text()[:16]
		getenv = withKey(getenv, devKey)
		if rs, err = loadRules(cfg.RulesPath, cat, getenv); err != nil {
			return err
		}
	}

	rel := cfg.Reliability
	storeOpts, err := settings.StoreOptions(getenv)
	if err != nil {
		return err
	}
	rdb, closeRedis, err := redisconn.Open(cfg.RedisURL, rel.RedisTimeout, log)
	if err != nil {
		return redisURLExit(err)
	}
	defer closeRedis()
	reg := newRegistry()
	state.NewMetrics(reg).Instrument(rdb)
	st, err := openStore(rdb, storeOpts, log)
	if err != nil {
		return err
	}
	batch, err := settings.RedisBatch(getenv)
	if err != nil {
		return err
	}
	if batch > 0 {
		b := state.NewBatcher(rdb, batch, rel.RedisTimeout)
		defer b.Close()
		st.WithBatcher(b)
	}
	// What shares the store's Redis and layout, each its own idea: the outbox
	// the fire script enqueues into, the silences it checks, Slack's threads
	// and acknowledgements, and the rooms' records for enrichment.
	ob := outbox.New(rdb, st.Layout(), outbox.Options{Now: now, Words: match.NewCodeWords(cat)})
	silences := silence.New(rdb, st.Layout())
	threadStore := threads.New(rdb, keyPrefix, slacknotify.DefaultThreadTTL)
	roomLog := rooms.New(rdb, keyPrefix)
	roomMetrics := rooms.NewMetrics(reg)
	reg.MustRegister(outbox.NewCollector(ob, time.Second, now))

	// Closed after the server has stopped (defers run last in, first out):
	// the room events of the last callbacks are written before Redis closes.
	pop := newPopulation(rdb, st.Layout(), rel.RedisTimeout, now, reg, log)
	defer pop.Close()
	if hooks.population != nil {
		hooks.population(pop)
	}
	recorder, recordSource, stopRecord := newRecord(cfg.Record, cfg.RedisURL == "", rdb, st.Layout(), rel.RedisTimeout, now, reg, log)
	defer stopRecord()
	router := engine.New(cat, rs, st, now, engine.NewMetrics(reg)).WithCommitTimeout(rel.RedisTimeout).
		WithPopulation(pop).WithAppPopulation(pop)
	startReload(ctx, cfg.RulesPath, router, cat, getenv, now, reg, log)
	senders, err := newSenders(cfg, threadStore, stdout, log)
	if err != nil {
		return err
	}
	// Delivery settings are read at startup: a reload changes rules, not workers.
	delivery := rs.Delivery()
	notifyMetrics := notify.NewMetrics(reg)
	notifyMetrics.Receivers(rs.ReceiverNames()...)
	dcfg := notify.DispatcherConfig{Consumer: cfg.Consumer, MaxAge: delivery.MaxAge, Fallback: delivery.Fallback, Flood: delivery.Flood, Metrics: notifyMetrics,
		BackoffMax: rel.RetryMax, ReclaimIdle: rel.ReclaimIdle, StoreTimeout: rel.RedisTimeout}
	// Who is in each room tells a user's page what their room entry (103)
	// said of their client.
	enricher, err := newEnricher(getenv, cat, roomLog, members(pop), now, reg, log)
	if err != nil {
		return err
	}
	if enricher != nil {
		dcfg.Enricher = enricher
		dcfg.FollowUps = enricher
		// Rooms created and dismissed are routine callbacks: their records
		// are written off the hot path.
		roomWriter := rooms.NewWriter(roomLog, rel.RedisTimeout, now, roomMetrics, log)
		defer roomWriter.Close()
		router.WithRoomLog(roomWriter)
	}
	dispatcher := notify.NewDispatcher(ob, senders, dcfg, log, now)

	h := handler.New(handler.Config{ReplayWindow: cfg.ReplayWindow, AdminToken: cfg.AdminToken, SlackSigningSecret: buttonSecret(cfg, log)},
		handler.Deps{Router: router, Catalog: cat, Store: st, Log: log, Now: now, Outbox: ob, Digests: ob, Slack: slackActions(threadStore),
			Silences: silences, Rules: router, Metrics: handler.NewMetrics(reg), Gatherer: reg,
			Record: recorder, RecordReader: recordSource})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	stopPprof, err := servePprof(ctx, cfg.PprofListen, log)
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
		WriteTimeout: readTimeout + handler.RequestTimeout + time.Second}

	log.Info("rules loaded", "source", rs.Source(), "rules", rs.Len())
	for _, w := range rs.Warnings() {
		log.Warn("rules: " + w)
	}
	for _, app := range rs.KeylessApps() {
		if _, ok := rs.Key(app); !ok {
			log.Warn("rules: an app listed without a callback_key takes "+rules.AllAppsKeyEnv+", which is not set: its callbacks are refused (401)", "app", app)
		}
	}
	printWelcome(stdout, ln.Addr().String(), devKey, cfg.Self)

	var wg sync.WaitGroup
	dispatchCtx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() {
		// Redis may not answer yet: HTTP serves meanwhile (callbacks 503).
		if !redisconn.Wait(dispatchCtx, st, rel.RedisTimeout, log) {
			return
		}
		migrate(dispatchCtx, silences, now, log) // a hook from before partitioning: its silences
		var timers sync.WaitGroup
		timers.Go(func() { runTimers(dispatchCtx, router, tickEvery, rel.RedisTimeout, log) }) // pending alerts and group flushes
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
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Shutdown)
		err = srv.Shutdown(shutCtx)
		cancel()
	}
	stopDispatch()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info(stoppedMessage(cfg.RedisURL))
	return err
}

// loadRules is compileRules for the server: errors become exit status 1
// with every problem listed.
func loadRules(path string, cat *catalog.Catalog, getenv env) (*rules.Ruleset, error) {
	rs, err := compileRules(path, cat, getenv)
	if err != nil {
		var le *rules.LoadError
		if errors.As(err, &le) {
			return nil, cli.Exit{Code: 1, Msg: "hook: the rules file has errors:\n" + le.Annotated()}
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

// redisURLExit makes a HOOK_REDIS_URL that does not parse a usage error (2).
func redisURLExit(err error) error {
	var bad *redisconn.URLError
	if errors.As(err, &bad) {
		return cli.Exit{Code: 2, Msg: "hook: " + err.Error()}
	}
	return err
}

// newSenders picks how each receiver kind is delivered. Without Slack
// credentials, Slack pages print to the console instead of vanishing.
func newSenders(cfg settings.Serve, threadStore *threads.Store, stdout io.Writer, log *slog.Logger) (map[alert.ReceiverKind]notify.Sender, error) {
	console := notify.NewConsole(stdout)
	console.TRTCConsole = cfg.TRTCConsole
	senders := map[alert.ReceiverKind]notify.Sender{alert.ReceiverConsole: console}
	switch {
	case cfg.SlackToken != "":
		var opts []slack.Option
		if cfg.SlackAPIURL != "" {
			opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(cfg.SlackAPIURL, "/")+"/"))
		}
		opts = append(opts, slack.OptionHTTPClient(slacknotify.NewHTTPClient(10*time.Second, time.Now)))
		client := slack.New(cfg.SlackToken, opts...)
		api := slacknotify.NewAPI(client, threadStore, log)
		api.Buttons = cfg.SlackSecret != ""
		api.Acks = threadStore
		api.TRTCConsole = cfg.TRTCConsole
		senders[alert.ReceiverSlack] = api
		log.Info("slack delivery: Web API (bot token)")
	case cfg.SlackWebhook != "":
		wh := slacknotify.NewWebhook(cfg.SlackWebhook, &http.Client{Timeout: 10 * time.Second})
		wh.TRTCConsole = cfg.TRTCConsole
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
