package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/notify"
)

// slackErrorRetry says whether a Slack error string is worth retrying, and
// whether we know it at all. Almost all describe the token, the channel or the
// message itself, which a retry does not change; the few server-side
// conditions are transient.
func slackErrorRetry(code string) (retry, known bool) {
	switch code {
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout",
		"ratelimited", "rate_limited", "team_added_to_org":
		return true, true
	case
		// The token or the app.
		"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
		"no_permission", "missing_scope", "not_allowed_token_type", "ekm_access_denied",
		"team_access_not_granted", "org_login_required", "access_denied", "invalid_token",
		"team_disabled", "no_team", "no_service", "no_service_id", "action_prohibited",
		// The channel.
		"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
		"restricted_action", "posting_to_general_channel_denied", "user_not_found",
		// The message.
		"msg_too_long", "invalid_blocks", "invalid_blocks_format", "invalid_payload",
		"no_text", "too_many_attachments", "invalid_arguments", "invalid_arg_name",
		"invalid_form_data", "invalid_post_type", "missing_post_type",
		"missing_text_or_fallback_or_attachments", "invalid_charset",
		"cant_update_message", "message_not_found", "edit_window_closed":
		return false, true
	}
	return false, false
}

// classify turns an error from slack-go (Web API or webhook) into the Sender
// contract: whether to retry, and an error that still unwraps to the cause.
// what names the operation for the message ("chat.postMessage", "webhook").
func classify(what string, err error) (retry bool, _ error) {
	if err == nil {
		return false, nil
	}

	var rl *goslack.RateLimitedError
	if errors.As(err, &rl) {
		return true, &notify.RetryAfterError{After: rl.RetryAfter, Err: fmt.Errorf("slack %s: %w", what, err)}
	}

	// A webhook's reason code, when known, beats its status; otherwise the
	// status decides below (webhookError unwraps to the StatusCodeError).
	var we *webhookError
	if errors.As(err, &we) && we.code != "" {
		if r, known := slackErrorRetry(we.code); known {
			return r, fmt.Errorf("slack %s: %w", what, err)
		}
	}

	var sc goslack.StatusCodeError
	if errors.As(err, &sc) {
		// 429 without a Retry-After header comes as a plain status code.
		retry = sc.Code >= 500 || sc.Code == http.StatusTooManyRequests || sc.Code == http.StatusRequestTimeout
		return retry, fmt.Errorf("slack %s: %w", what, err)
	}

	var se goslack.SlackErrorResponse
	if errors.As(err, &se) {
		return classifyCode(what, se.Err, err)
	}
	if transient(err) {
		return true, fmt.Errorf("slack %s: %w", what, err)
	}
	// Anything else (a malformed request we built, an unparseable reply) will
	// not get better by itself; say so rather than loop on it.
	return false, fmt.Errorf("slack %s: unclassified error, not retrying: %w", what, err)
}

func classifyCode(what, code string, err error) (bool, error) {
	retry, known := slackErrorRetry(code)
	if !known {
		// An error Slack added after this was written: not retrying is the
		// safe default (no loop), but flag it so someone extends the table.
		return false, fmt.Errorf("slack %s: unknown slack error %q, not retrying: %w", what, code, err)
	}
	return retry, fmt.Errorf("slack %s: %w", what, err)
}

// transient reports network-level failures: timeouts, refused or reset
// connections, a reply cut short. The page may or may not have landed; a
// duplicate page beats a lost one, and the page ID lets humans spot it.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// Canceled is shutdown: the page must stay in the outbox for the next run.
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	var ue *url.Error
	// Any other transport failure of a well-formed request (TLS handshake,
	// proxy trouble) is the network's, not the page's.
	return errors.As(err, &ue) && ue.Op != "parse"
}
