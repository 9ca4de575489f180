package handler

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hookdev/hook/internal/alert"
)

// readyTimeout bounds the Redis ping of /readyz: a probe must answer well
// within a load balancer's own timeout (docs/operations.md promises 2 s), and a
// Redis slower than this is as good as down for callbacks (TRTC waits 5 s in
// all).
const readyTimeout = time.Second

// readyz answers 200 when a ruleset is serving and Redis answers; otherwise
// 503 with the reason, so an orchestrator stops sending callbacks here (TRTC
// then retries them against a replica that can commit them).
func readyz(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		if d.Rules == nil || d.Rules.Ruleset() == nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "rules not loaded"})
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		if err := d.Store.Ping(ctx); err != nil {
			// The details (addresses, errors) go to the log, not to whoever asks.
			reason := "state store (Redis) not answering"
			var coded *alert.Error
			if errors.As(err, &coded) && coded.Reason == alert.ReasonStoreUnsupported {
				reason = coded.Message
				d.Log.Error("not ready: the state store answers but hook cannot run on it", "err", err)
			} else {
				d.Log.Warn("not ready: the state store does not answer", "err", err)
			}
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
}

// metricsHandler serves g in the Prometheus exposition format. A collector
// that fails (the outbox gauges while Redis is down) leaves its metrics out
// rather than failing the whole scrape: the error counters are what matter then.
func metricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
