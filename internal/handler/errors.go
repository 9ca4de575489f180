package handler

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/verify"
)

// statusFor is the one place errors become HTTP statuses.
func statusFor(err error) int {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		return he.Code
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, verify.ErrMissingSign), errors.Is(err, verify.ErrMissingApp),
		errors.Is(err, verify.ErrUnknownApp), errors.Is(err, verify.ErrBadSignature),
		errors.Is(err, errReplay), errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized
	case isNotFound(err), errors.Is(err, rules.ErrSilenceNotFound):
		return http.StatusNotFound
	case errors.Is(err, callback.ErrInvalid), errors.Is(err, rules.ErrInvalidSilence):
		return http.StatusBadRequest
	}
	// Anything else is the state store or a bug: 503 asks TRTC to retry, so the
	// event is not lost.
	return http.StatusServiceUnavailable
}

// reasonFor names an error for logs and metrics labels (bounded set).
func reasonFor(err error) string {
	switch {
	case errors.Is(err, errTooLarge):
		return "too_large"
	case errors.Is(err, verify.ErrMissingSign):
		return "missing_sign"
	case errors.Is(err, verify.ErrMissingApp):
		return "missing_app"
	case errors.Is(err, verify.ErrUnknownApp):
		return "unknown_app"
	case errors.Is(err, verify.ErrBadSignature):
		return "bad_signature"
	case errors.Is(err, errReplay):
		return "replay"
	case errors.Is(err, errUnauthorized):
		return "unauthorized"
	case errors.Is(err, callback.ErrInvalid), errors.Is(err, rules.ErrInvalidSilence):
		return "invalid"
	case errors.Is(err, rules.ErrSilenceNotFound):
		return "not_found"
	}
	return "unavailable"
}

// errorHandler writes every error as {"code": status, "message": ...}. Messages
// come from hook's own errors, which never include a key or an expected signature.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status := statusFor(err)
		msg := err.Error()
		var he *echo.HTTPError
		if errors.As(err, &he) {
			if m, ok := he.Message.(string); ok {
				msg = m
			}
		}
		if status >= http.StatusInternalServerError {
			// Internal details stay in the log; TRTC only needs to know to retry.
			msg = "temporarily unavailable, retry later"
		}
		if werr := c.JSON(status, map[string]any{"code": status, "message": msg}); werr != nil {
			log.Warn("writing error response failed", "err", werr)
		}
	}
}
