package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/notify"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/store"
)

// loadDelivery reads the rules file's delivery: section (max age, fallback).
// It is read at startup only: a reload does not change it.
func loadDelivery(path string, rs *rules.Ruleset) (rules.DeliverySettings, error) {
	name, data := hook.ExampleRulesName+" (embedded)", hook.ExampleRules
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return rules.DeliverySettings{}, fmt.Errorf("read rules: %w", err)
		}
		name = path
	}
	ds, err := rules.LoadDelivery(name, data, rs)
	var le *rules.LoadError
	if errors.As(err, &le) {
		return ds, exitError{code: 1, msg: "hook: the rules file has errors:\n" + le.Error()}
	}
	return ds, err
}

// buttonSecret is the signing secret for /slack/interactions, or "" when
// buttons are off: they need the Web API (a webhook message cannot be
// updated) as well as the secret.
func buttonSecret(cfg serveConfig, log *slog.Logger) string {
	switch {
	case cfg.slackSecret == "":
		return ""
	case cfg.slackToken == "":
		log.Warn("SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not: no buttons (they need the Web API)")
		return ""
	}
	log.Info("slack buttons on: POST /slack/interactions verifies Slack's signature")
	return cfg.slackSecret
}

// slackActions is what the Slack buttons act with. Silences (issue 5) are not
// on this branch: the Silence buttons answer "not available" until a
// handler.Silencer is passed here.
func slackActions(st *store.Redis) handler.SlackActions {
	return handler.SlackActions{Seen: st, Acks: st, Silencer: nil,
		Responder: notify.NewSlackResponder(&http.Client{Timeout: 5 * time.Second})}
}
