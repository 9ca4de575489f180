package handler

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/verify"
)

// callbackPath is where TRTC posts callbacks.
const callbackPath = "/callback"

// routes is the one place every endpoint is registered.
func routes(e *echo.Echo, cfg Config, d Deps) {
	cb := &callbacks{cfg: cfg, router: d.Router, verifier: verify.NewVerifier(d.Router), log: d.Log, now: d.Now, cat: d.Catalog, metrics: d.Metrics, record: d.Record}
	e.POST(callbackPath, cb.handle)
	catalogRoutes(e, d.Catalog)
	// Admin API (/api/v1, HOOK_ADMIN_TOKEN) and Slack buttons: each only when configured.
	outboxRoutes(e, cfg, d)
	digestRoutes(e, cfg, d)
	silenceRoutes(e, cfg, d)
	recordRoutes(e, cfg, d)
	slackRoutes(e, cfg, d)
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", readyz(d))
	if d.Gatherer != nil {
		e.GET("/metrics", echo.WrapHandler(metricsHandler(d.Gatherer)))
	}
}
