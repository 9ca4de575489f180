package handler

import (
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"
)

// requireBearer admits requests carrying "Authorization: Bearer <token>".
// The comparison is constant-time so the token cannot be guessed byte by byte
// from response times. Callers register admin routes only when a token is
// configured: an empty token must never mean "open".
func requireBearer(token string) echo.MiddlewareFunc {
	want := []byte(token)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			scheme, got, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
			ok = ok && strings.EqualFold(scheme, "Bearer") // the scheme is case-insensitive (RFC 9110)
			if !ok || len(want) == 0 || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="hook admin"`)
				return fmt.Errorf("%w: missing or wrong bearer token (HOOK_ADMIN_TOKEN)", errUnauthorized)
			}
			return next(c)
		}
	}
}
