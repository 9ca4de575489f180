package handler

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/verify"
)

// httpStatus is the one table from error codes to HTTP statuses. Codes come
// from alert.CodeOf: every error hook returns is coded where it is made (or
// where a package that imports nothing of hook's is called, as below).
var httpStatus = map[alert.ErrorCode]int{
	alert.EINVALID:      http.StatusBadRequest,
	alert.EUNAUTHORIZED: http.StatusUnauthorized,
	alert.ENOTFOUND:     http.StatusNotFound,
	alert.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	// A dependency down, or a bug: 503 asks TRTC to retry, so the event is
	// not lost.
	alert.EUNAVAILABLE: http.StatusServiceUnavailable,
	alert.EINTERNAL:    http.StatusServiceUnavailable,
}

// statusFor is the HTTP status of err: an Echo error keeps its own (routing's
// 404 and 405), every other error is looked up by its code.
func statusFor(err error) int {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	if s, ok := httpStatus[alert.CodeOf(err)]; ok {
		return s
	}
	return http.StatusServiceUnavailable
}

// reasonFor names an error for logs and metrics labels (a bounded set).
func reasonFor(err error) string { return alert.ReasonOf(err) }

// Errors of the handler's own.
var (
	// errReplay marks a callback whose timestamp is outside the replay window.
	errReplay = &alert.Error{Code: alert.EUNAUTHORIZED, Reason: "replay", Message: "callback timestamp outside the replay window"}
	// errTooLarge marks a body over its cap.
	errTooLarge = &alert.Error{Code: alert.ETOOLARGE, Reason: "too_large", Message: "body too large"}
	// errUnauthorized marks a request without valid credentials (admin
	// token, Slack signature): 401, and nothing is done.
	errUnauthorized = &alert.Error{Code: alert.EUNAUTHORIZED, Reason: "unauthorized", Message: "unauthorized"}
	// errNoRules marks a request that needs rules before any are loaded.
	errNoRules = &alert.Error{Code: alert.EUNAVAILABLE, Reason: "unavailable", Message: "no rules loaded yet"}
)

// verifyReasons name verify's failures, which it leaves uncoded (it imports
// nothing of hook's); the callback path codes them here, all 401.
var verifyReasons = []struct {
	err    error
	reason string
}{
	{verify.ErrMissingSign, "missing_sign"},
	{verify.ErrMissingApp, "missing_app"},
	{verify.ErrUnknownApp, "unknown_app"},
	{verify.ErrBadSignature, "bad_signature"},
	{verify.ErrBadApp, "bad_app"},
}

// authError codes a signature check's failure.
func authError(err error) error {
	reason := "unauthorized"
	for _, v := range verifyReasons {
		if errors.Is(err, v.err) {
			reason = v.reason
			break
		}
	}
	// An unknown SdkAppId is quoted in the error: bound it, for the log line
	// and the response alike.
	return alert.Wrap(alert.EUNAUTHORIZED, reason, clippedError{err})
}

// invalid is a coded 400 with msg.
func invalid(msg string) error {
	return &alert.Error{Code: alert.EINVALID, Reason: "invalid", Message: msg}
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
		msg = clip(msg, maxErrorMessage) // it may quote a path parameter or header
		if status >= http.StatusInternalServerError {
			// Internal details stay in the log; TRTC only needs to know to retry.
			msg = "temporarily unavailable, retry later"
		}
		if werr := c.JSON(status, map[string]any{"code": status, "message": msg}); werr != nil {
			log.Warn("writing error response failed", "err", werr)
		}
	}
}
