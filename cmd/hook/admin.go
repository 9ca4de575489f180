package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/hookdev/hook/internal/adminclient"
	"github.com/hookdev/hook/internal/cli"
)

// adminFor returns how a command reaches the admin API at *base: the
// client, or the usage error (2) that says how to give it a token.
func adminFor(cmd func() string, base *string, getenv env) func() (adminclient.Client, error) {
	return func() (adminclient.Client, error) {
		a, err := adminclient.New(cmd(), *base, getenv, &http.Client{Timeout: 10 * time.Second})
		if err != nil {
			return a, cli.Exit{Code: 2, Msg: err.Error()}
		}
		return a, nil
	}
}

// serveAdminToken is the admin token hook serve runs with: HOOK_ADMIN_TOKEN
// when set; on the in-process Redis, the local token (made on first use,
// then kept, so every local hook and the CLI agree); with a real Redis and
// no HOOK_ADMIN_TOKEN, none: the admin API is off.
func serveAdminToken(token, redisURL string, getenv env, log *slog.Logger) string {
	switch {
	case token != "":
		return token
	case redisURL != "":
		log.Info("admin API off: set HOOK_ADMIN_TOKEN to use hook silence and hook outbox")
		return ""
	}
	path := adminclient.TokenFile(getenv)
	if path == "" {
		log.Warn("admin API off: no $XDG_STATE_HOME or $HOME for a local admin token; set HOOK_ADMIN_TOKEN to use hook silence and hook outbox")
		return ""
	}
	token, err := adminclient.LocalToken(path)
	if err != nil {
		log.Warn("admin API off: could not keep a local admin token; set HOOK_ADMIN_TOKEN to use hook silence and hook outbox", "err", err)
		return ""
	}
	log.Info("admin API on with a local token: hook silence and hook outbox on this machine read it", "file", path)
	return token
}
