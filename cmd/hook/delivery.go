package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/hookdev/hook/internal/handler"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/settings"
	"github.com/hookdev/hook/internal/threads"
)

// buttonSecret is the signing secret for /slack/interactions, or "" when
// buttons are off: they need the Web API (a webhook message cannot be
// updated) as well as the secret.
func buttonSecret(cfg settings.Serve, log *slog.Logger) string {
	switch {
	case cfg.SlackSecret == "":
		return ""
	case cfg.SlackToken == "":
		log.Warn("SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not: no buttons (they need the Web API)")
		return ""
	}
	log.Info("slack buttons on: POST /slack/interactions verifies Slack's signature")
	return cfg.SlackSecret
}

// slackActions is what the Slack buttons act with: all of it lives in Redis,
// so a click handled by any replica acts for all of them.
func slackActions(th *threads.Store) handler.SlackActions {
	return handler.SlackActions{Seen: th, Acks: th,
		Responder: slacknotify.NewResponder(&http.Client{Timeout: 5 * time.Second})}
}
