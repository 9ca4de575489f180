package handler

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
)

// SlackWindow is how far a Slack request's timestamp may be from now, as
// Slack's "Verifying requests from Slack" prescribes; it is also how long a
// seen signature is remembered, so a replay inside the window does nothing.
const SlackWindow = 5 * time.Minute

// SilenceDuration is how long the Silence buttons silence.
const SilenceDuration = time.Hour

// ReplayGuard remembers keys for a while; FirstSeen is false for a repeat.
type ReplayGuard interface {
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// AckStore records who acknowledged an incident.
type AckStore interface {
	Acknowledge(ctx context.Context, incident, user string, at time.Time) error
}

// SlackResponder answers a click through its response_url.
type SlackResponder interface {
	Respond(ctx context.Context, responseURL string, r slacknotify.Response) error
}

// SlackActions are what the buttons act with. Silences come from
// Deps.Silences, through the same checks as the admin API's.
type SlackActions struct {
	Seen      ReplayGuard
	Acks      AckStore
	Responder SlackResponder
}

// slackRoutes registers POST /slack/interactions when a signing secret is
// configured: without it clicks could not be verified, so there are no buttons.
func slackRoutes(e *echo.Echo, cfg Config, d Deps) {
	if cfg.SlackSigningSecret == "" || d.Slack.Seen == nil || d.Slack.Responder == nil {
		return
	}
	h := &slackInteractions{secret: cfg.SlackSigningSecret, act: d.Slack, silences: newSilencer(d), log: d.Log, now: d.Now}
	e.POST("/slack/interactions", h.handle)
}

type slackInteractions struct {
	secret   string
	act      SlackActions
	silences *silencer
	log      *slog.Logger
	now      func() time.Time
}

// maxSlackBody caps an interaction payload (Slack's are a few kB).
const maxSlackBody = 256 << 10

func (h *slackInteractions) handle(c echo.Context) error {
	req := c.Request()
	body, err := io.ReadAll(http.MaxBytesReader(nil, req.Body, maxSlackBody))
	if err != nil {
		return fmt.Errorf("%w: the limit is %d bytes", errTooLarge, maxSlackBody)
	}
	if err := verifySlack(req.Header, body, h.secret, h.now()); err != nil {
		h.log.Warn("slack interaction refused", "err", errText(err))
		return err
	}
	// Only after the signature: a forged request must not even fill Redis.
	// Remembered for twice the window: a timestamp up to SlackWindow in the
	// future is accepted, so a signature stays replayable that much longer.
	first, err := h.act.Seen.FirstSeen(req.Context(), slackReplayKey(req.Header), 2*SlackWindow)
	if err != nil {
		return err
	}
	if !first {
		h.log.Warn("slack interaction replayed; ignored")
		return c.NoContent(http.StatusOK)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return invalid("body is not a form")
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return invalid("payload is not an interaction")
	}
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return c.NoContent(http.StatusOK) // nothing of ours
	}
	// Slack wants an answer within 3 s; the acting is quick (one Redis write
	// and one response_url post), so it is done before answering.
	h.act1(req.Context(), cb, cb.ActionCallback.BlockActions[0])
	return c.NoContent(http.StatusOK)
}

// act1 performs one button's action and tells Slack how it went.
func (h *slackInteractions) act1(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	var v slacknotify.ActionValue
	if err := json.Unmarshal([]byte(a.Value), &v); err != nil {
		h.log.Warn("slack button with an unreadable value", "action", clientText(a.ActionID), "err", errText(err))
		return
	}
	who := "<@" + cb.User.ID + ">"
	// The button's value carries a client's room id (in the incident): bounded.
	log := h.log.With("action", clientText(a.ActionID), "user", clientText(cb.User.ID),
		"incident", clientText(v.Incident), "page", clientText(v.Page))
	var note string
	switch a.ActionID {
	case slacknotify.ActionAck:
		incident := v.Incident
		if incident == "" {
			incident = "page:" + v.Page
		}
		if err := h.act.Acks.Acknowledge(ctx, incident, cb.User.ID, h.now()); err != nil {
			log.Error("acknowledge failed", "err", errText(err))
			h.tell(ctx, cb, "Could not acknowledge: the state store is unavailable. Try again.")
			return
		}
		note = ":eyes: Acknowledged by " + who
	case slacknotify.ActionSilenceRoom, slacknotify.ActionSilenceRule:
		req := alert.SilenceRequest{Author: who, Comment: "from Slack, page " + v.Page, Duration: SilenceDuration.String()}
		what := ""
		if a.ActionID == slacknotify.ActionSilenceRoom {
			req.Matchers = map[string]string{"app": v.App, "room": v.Room}
			what = "room " + slacknotify.CodeSpan(v.Room)
		} else {
			req.Matchers = map[string]string{"rule": v.Rule}
			what = "rule " + slacknotify.CodeSpan(v.Rule)
		}
		s, err := h.silences.add(ctx, req)
		if err != nil {
			log.Error("silence failed", "err", errText(err))
			h.tell(ctx, cb, "Could not silence: "+slacknotify.EscapeMrkdwn(clip(err.Error(), maxErrorMessage)))
			return
		}
		note = fmt.Sprintf(":no_bell: %s silenced for 1h by %s (silence %s)", what, who, slacknotify.EscapeMrkdwn(s.ID))
	default:
		return
	}
	log.Info("slack action done")
	m := slacknotify.ActedMessage(cb.Message.Blocks.BlockSet, cb.Message.Text, a.ActionID, note)
	if err := h.act.Responder.Respond(ctx, cb.ResponseURL, slacknotify.Response{Message: m, Replace: true}); err != nil {
		log.Warn("slack message not updated after the action", "err", errText(err))
	}
}

// tell answers only the person who clicked.
func (h *slackInteractions) tell(ctx context.Context, cb slack.InteractionCallback, text string) {
	if err := h.act.Responder.Respond(ctx, cb.ResponseURL, slacknotify.Response{Message: slacknotify.Message{Text: text}}); err != nil {
		h.log.Warn("slack ephemeral answer failed", "err", errText(err))
	}
}

// errSlackStale marks a Slack request outside the timestamp window.
var errSlackStale = errors.New("slack request timestamp outside the 5-minute window")

// verifySlack checks Slack's v0 signature, HMAC-SHA256 of "v0:<ts>:<body>",
// and the timestamp window against now. It is slack.NewSecretsVerifier's
// algorithm with one difference: the clock is ours. The library's verifier
// reads the wall clock, which makes Slack's documented example (from 2018)
// untestable; TestVerifySlackAgreesWithSlackGo pins the two together.
func verifySlack(h http.Header, body []byte, secret string, now time.Time) error {
	sig, stamp := h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp")
	if sig == "" || stamp == "" {
		return fmt.Errorf("%w: missing X-Slack-Signature or X-Slack-Request-Timestamp", errUnauthorized)
	}
	ts, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad X-Slack-Request-Timestamp", errUnauthorized)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > SlackWindow || skew < -SlackWindow {
		return fmt.Errorf("%w: %w", errUnauthorized, errSlackStale)
	}
	got, err := hex.DecodeString(trimV0(sig))
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: malformed X-Slack-Signature", errUnauthorized)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", stamp)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), got) {
		return fmt.Errorf("%w: wrong Slack signature", errUnauthorized)
	}
	return nil
}

// slackReplayKey names a verified request for the replay guard by its
// decoded signature: hex is case-insensitive, so the header's text would let
// "v0=AB…" and "v0=ab…" pass as two requests (64 letters, 2^64 spellings of
// one signature).
func slackReplayKey(h http.Header) string {
	mac, _ := hex.DecodeString(trimV0(h.Get("X-Slack-Signature"))) // verified: it decodes
	return "slack:" + hex.EncodeToString(mac)
}

func trimV0(sig string) string {
	if len(sig) > 3 && sig[:3] == "v0=" {
		return sig[3:]
	}
	return "" // not a v0 signature: fails the length check
}
