package handler

import (
	"context"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
)

// RequestTimeout bounds what any request may wait for (Redis, for
// the admin API and the Slack buttons): a client of hook waits no longer
// than TRTC does for a callback.
const RequestTimeout = 5 * time.Second

// withDeadline gives every request's context a deadline of d, so a hung
// Redis answers the admin API and the Slack buttons with 503 in time instead
// of holding them until the server's write timeout drops the connection.
// Routes that bound their own work (callbacks: engine.WithCommitTimeout)
// are named in own and left alone.
func withDeadline(d time.Duration, own ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if slices.Contains(own, c.Path()) {
				return next(c)
			}
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}
