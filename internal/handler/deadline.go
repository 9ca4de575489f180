package handler

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"
)

// DefaultRequestTimeout bounds what any request may wait for (Redis, for
// the admin API and the Slack buttons): a client of hook waits no longer
// than TRTC does for a callback.
const DefaultRequestTimeout = 5 * time.Second

// withDeadline gives every request's context a deadline of d, so a hung
// Redis answers the admin API and the Slack buttons with 503 in time instead
// of holding them until the server's write timeout drops the connection.
// Callbacks get a shorter one of their own (Config.CommitTimeout).
func withDeadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}
