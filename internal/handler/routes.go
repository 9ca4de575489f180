package handler

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes is the one place every endpoint is registered.
func routes(e *echo.Echo, cfg Config, d Deps) {
	cb := &callbacks{cfg: cfg, router: d.Router, log: d.Log, now: d.Now}
	e.POST("/callback", cb.handle)
	catalogRoutes(e, d.Catalog)
	adminRoutes(e, cfg, d) // only when HOOK_ADMIN_TOKEN is set
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		if err := d.Store.Ping(c.Request().Context()); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
}
