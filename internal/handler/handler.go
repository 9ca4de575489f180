// Package handler is hook's HTTP surface: TRTC's callback endpoint, the
// catalogue for dashboards, and health. Echo stays inside this package.
package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/verify"
)

// Router evaluates a verified, decoded callback and fires what it matches
// (engine.Engine implements it).
type Router interface {
	verify.Keys
	Handle(ctx context.Context, ev callback.Event) (engine.Result, error)
}

// Pinger reports whether the state store answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config holds the callback contract's limits.
type Config struct {
	// ReplayWindow is how old a callback's CallbackTs may be (or how far in the
	// future) before it is refused as a replay.
	ReplayWindow time.Duration
	// AdminToken guards /api/v1 (HOOK_ADMIN_TOKEN); empty: no admin API.
	AdminToken string
	// SlackSigningSecret verifies /slack/interactions; empty: no such route.
	SlackSigningSecret string
}

// MaxBody caps a callback body; larger bodies get 413. TRTC's are a few
// KB: the cap only stops a client that is not TRTC from holding memory.
const MaxBody = 1 << 20

// DefaultReplayWindow is Config.ReplayWindow's default.
const DefaultReplayWindow = 10 * time.Minute

// Deps are what the handler needs from the rest of hook.
type Deps struct {
	Router  Router
	Catalog *catalog.Catalog
	Store   Pinger
	Log     *slog.Logger
	Now     func() time.Time
	Outbox  OutboxAdmin  // for the admin API; nil disables it
	Digests DigestAdmin  // flood digests for the admin API; nil: not listed
	Slack   SlackActions // for /slack/interactions
	// Silences backs the admin API's silences; nil turns them off.
	Silences SilenceStore
	// Rules tells /readyz whether a ruleset is serving (usually the Router).
	Rules RulesSource
	// Metrics counts callbacks; nil gets a private registry nobody scrapes.
	Metrics *Metrics
	// Gatherer is served at GET /metrics; nil leaves /metrics unregistered.
	Gatherer prometheus.Gatherer
	// Record is handed every callback answered 200 (record.Writer); nil:
	// nothing is recorded. RecordReader streams the record to the admin
	// API (GET /api/v1/record, for hook backtest); nil: no such endpoint.
	Record       Recorder
	RecordReader RecordSource
}

// RulesSource reports the ruleset now serving; nil means none is loaded.
type RulesSource interface {
	Ruleset() *rules.Ruleset
}

// New returns the HTTP handler with every route registered.
func New(cfg Config, d Deps) http.Handler {
	if cfg.ReplayWindow == 0 {
		cfg.ReplayWindow = DefaultReplayWindow
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	// Callbacks have a shorter deadline of their own, set by the router
	// around its store's work (engine.WithCommitTimeout).
	e.Use(withDeadline(RequestTimeout, callbackPath, recordPath))
	routes(e, cfg, d)
	return e
}

type callbacks struct {
	cfg      Config
	router   Router
	verifier *verify.Verifier
	log      *slog.Logger
	now      func() time.Time
	cat      *catalog.Catalog
	metrics  *Metrics
	record   Recorder // nil: no record
}

func (h *callbacks) handle(c echo.Context) error {
	start := h.now()
	req := c.Request()
	app := req.Header.Get("SdkAppId")
	ev, res, err := h.process(req, app)
	took := h.now().Sub(start)
	h.logOutcome(app, ev, res, err, took) // bounded and escaped there: no signature vouches for it yet
	h.metrics.observe(h.cat, ev, res, err, took.Seconds())
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, []byte(`{"code":0}`))
}

// process runs the callback contract: cap, verify, decode, replay check, route.
func (h *callbacks) process(req *http.Request, app string) (callback.Event, engine.Result, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, req.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return callback.Event{}, engine.Result{}, fmt.Errorf("%w: the limit is %d bytes", errTooLarge, MaxBody)
		}
		return callback.Event{}, engine.Result{}, fmt.Errorf("read body: %w", err)
	}
	if err := h.verifier.Check(app, req.Header.Get("Sign"), body); err != nil {
		return callback.Event{}, engine.Result{}, authError(err)
	}
	ev, err := callback.Decode(app, body)
	if err != nil {
		// Decode fails only for bodies that are not a usable callback.
		return ev, engine.Result{}, alert.Wrap(alert.EINVALID, "invalid", err)
	}
	now := h.now()
	if err := h.checkReplay(ev, now); err != nil {
		return ev, engine.Result{}, err
	}
	// The router bounds its store's work itself (engine.WithCommitTimeout):
	// only a callback that reaches the store pays for a deadline.
	res, err := h.router.Handle(req.Context(), ev)
	if err == nil && h.record != nil {
		// Accepted: kept for hook backtest, without waiting (the body is
		// this request's own buffer, handed over, not copied).
		h.record.Record(app, body, now)
	}
	return ev, res, err
}

func (h *callbacks) checkReplay(ev callback.Event, now time.Time) error {
	sent := time.UnixMilli(ev.CallbackMs)
	skew := now.Sub(sent)
	if skew > h.cfg.ReplayWindow || skew < -h.cfg.ReplayWindow {
		return fmt.Errorf("%w: sent %s, now %s, window %s (check the clocks)", errReplay,
			sent.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), h.cfg.ReplayWindow)
	}
	return nil
}

func (h *callbacks) logOutcome(app string, ev callback.Event, res engine.Result, err error, took time.Duration) {
	h.logOpened(app, ev, res)
	level := logLevel(res, err)
	if !h.log.Enabled(context.Background(), level) {
		return
	}
	// app is the SdkAppId header as sent, before anything vouched for it;
	// room and user are client text: all bounded (logvalue.go). Attributes
	// are built as values, not boxed: a busy server logs thousands a second.
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("app", clip(app, maxLoggedHeader)),
		slog.String("event", h.cat.Code(catalog.FieldEvent, 0, ev.Type).Name),
		slog.Int("group", ev.Group), slog.Int("type", ev.Type),
		slog.String("room", clip(ev.RoomID, maxLoggedValue)), slog.String("user", clip(ev.UserID, maxLoggedValue)),
		slog.String("outcome", outcome(res, err)), slog.Duration("latency", took))
	if err != nil {
		attrs = append(attrs, slog.String("err", clip(err.Error(), maxLoggedError)))
	}
	if len(res.Outcomes) > 0 {
		// One "rules" group keyed by rule name (names are unique): a repeated
		// "rule" key would be dropped or refused by JSON log pipelines.
		verdicts := make([]slog.Attr, 0, len(res.Outcomes))
		for _, o := range res.Outcomes {
			key := o.Rule
			if o.Clear {
				key += ".clear" // the same rule may also have matched
			}
			verdicts = append(verdicts, slog.String(key, string(o.Verdict)))
		}
		attrs = append(attrs, slog.Attr{Key: "rules", Value: slog.GroupValue(verdicts...)})
	}
	// Straight to the handler: Logger.LogAttrs would walk the stack for a
	// source position no handler of hook's prints.
	r := slog.NewRecord(h.now(), level, "callback", 0)
	r.AddAttrs(attrs...)
	_ = h.log.Handler().Handle(context.Background(), r)
}

// logOpened logs, at info, each pending alert the callback opened: when it
// will page and what clears it. The callback's own line is routine (debug):
// without this one the first callback of a newcomer, a user who dropped out,
// would be invisible until its page, 30 s later.
func (h *callbacks) logOpened(app string, ev callback.Event, res engine.Result) {
	for _, o := range res.Outcomes {
		if !o.Opened || !h.log.Enabled(context.Background(), slog.LevelInfo) {
			continue
		}
		r := slog.NewRecord(h.now(), slog.LevelInfo, "pending alert opened: it pages unless cleared first", 0)
		r.AddAttrs(slog.String("rule", o.Rule), slog.String("app", clip(app, maxLoggedHeader)),
			slog.String("room", clip(ev.RoomID, maxLoggedValue)), slog.String("user", clip(ev.UserID, maxLoggedValue)),
			slog.Time("pages_at", o.PagesAt.UTC()), slog.Duration("in", o.PagesAt.Sub(h.now()).Round(time.Second)),
			slog.String("cleared_by", o.ClearedBy), slog.String("key", clip(o.Key, maxLoggedValue)))
		_ = h.log.Handler().Handle(context.Background(), r)
	}
}

// logLevel is how loud a callback's line is. Refusals and callbacks that
// changed what people see are logged at info or above: a page, a group
// joined, a resolution, a wait cleared, a page muted by a silence or an
// inhibition, a duplicate (the evidence that a redelivery paged nobody). The
// rest is routine and logged at debug: no rule matched, or the rules only
// absorbed the event (counted towards a threshold, a wait already open, a
// clear that found nothing). At thousands a second, as in a storm, those
// lines would cost more than the callbacks, and hook_callbacks_total and
// hook_alert_verdicts_total count them anyway.
func logLevel(res engine.Result, err error) slog.Level {
	switch {
	case err != nil && statusFor(err) >= http.StatusInternalServerError:
		return slog.LevelError
	case err != nil:
		return slog.LevelInfo
	}
	for _, o := range res.Outcomes {
		switch o.Verdict {
		case alert.VerdictCounted, alert.VerdictPending, alert.VerdictIgnored:
		default:
			return slog.LevelInfo
		}
	}
	return slog.LevelDebug
}

// outcome summarises what happened to a callback in one word, for logs and metrics.
func outcome(res engine.Result, err error) string {
	if err != nil {
		return reasonFor(err)
	}
	fired, deduped := 0, 0
	for _, o := range res.Outcomes {
		switch {
		case o.Fired:
			fired++
		case o.Verdict == alert.VerdictDuplicate:
			deduped++
		}
	}
	switch {
	case fired > 0:
		return "paged"
	case deduped == len(res.Outcomes) && deduped > 0:
		return "duplicate"
	case len(res.Outcomes) > 0:
		return "held" // pending, counted, silenced, inhibited, cleared...: see the rules' verdicts
	}
	return "no_match"
}
