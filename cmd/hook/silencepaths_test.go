package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/handler"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/silence"
	"github.com/hookdev/hook/internal/state"
	"github.com/hookdev/hook/internal/threads"
)

// TestSilencePathsAgree asks for the same silences through the three ways
// there are (the CLI, the admin API, a Slack button) and checks that they
// accept and refuse exactly the same ones: there is one validation.
func TestSilencePathsAgree(t *testing.T) {
	const secret = "slack-signing-secret"
	rdb, _ := redistest.Mini(t)
	cat, rs := exampleRules(t)
	st := state.New(rdb, "hook")
	silences := silence.New(rdb, st.Layout())
	th := threads.New(rdb, "hook", slacknotify.DefaultThreadTTL)
	responses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(responses.Close)
	srv := httptest.NewServer(handler.New(handler.Config{AdminToken: "tok", SlackSigningSecret: secret},
		handler.Deps{Log: slog.New(slog.DiscardHandler), Now: time.Now, Silences: silences, Catalog: cat, Store: st,
			Rules: engine.New(cat, rs, st, time.Now, nil),
			Slack: handler.SlackActions{Seen: th, Acks: th, Responder: slacknotify.NewResponder(responses.Client())}}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	count := func() int {
		ss, err := silences.Silences(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(ss)
	}

	viaCLI := func(m map[string]string) bool {
		args := []string{"silence", "add", "--url", srv.URL, "--comment", "paths", "--for", "1h"}
		for _, k := range []string{"app", "room", "rule"} {
			if v, ok := m[k]; ok {
				args = append(args, k+"="+v)
			}
		}
		getenv := func(k string) string { return map[string]string{"HOOK_ADMIN_TOKEN": "tok", "USER": "alice"}[k] }
		var out bytes.Buffer
		return run(ctx, args, getenv, nil, &out, &out) == nil
	}
	viaAPI := func(m map[string]string) bool {
		body, _ := json.Marshal(handler.SilenceRequest{Matchers: m, Author: "alice", Comment: "paths", Duration: "1h"})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/silences", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusCreated
	}
	viaSlack := func(m map[string]string) bool {
		action, v := slacknotify.ActionSilenceRoom, slacknotify.ActionValue{Page: "p-1", App: m["app"], Room: m["room"], Rule: m["rule"]}
		if _, ok := m["rule"]; ok {
			action = slacknotify.ActionSilenceRule
		}
		value, _ := json.Marshal(v)
		payload, _ := json.Marshal(map[string]any{
			"type": "block_actions", "user": map[string]any{"id": "U123"}, "response_url": responses.URL + "/r",
			"message": map[string]any{"type": "message", "text": "page", "ts": "1.2"},
			"actions": []map[string]any{{"action_id": action, "block_id": slacknotify.ActionsBlockID, "type": "button", "value": string(value)}},
		})
		body := url.Values{"payload": {string(payload)}}.Encode()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte("v0:" + ts + ":" + body))
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/interactions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		before := count()
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return count() == before+1
	}

	for _, tc := range []struct {
		name     string
		matchers map[string]string
		want     bool
	}{
		{"a room", map[string]string{"app": "1400000001", "room": "8489"}, true},
		{"a room of no app", map[string]string{"app": "", "room": "8489"}, false},
		{"a blank room", map[string]string{"app": "1400000001", "room": "  "}, false},
		{"a rule", map[string]string{"rule": "live-anchor-gone"}, true},
		{"a rule that does not exist", map[string]string{"rule": "anchor-droped"}, false},
		{"no rule", map[string]string{"rule": ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]bool{"cli": viaCLI(tc.matchers), "api": viaAPI(tc.matchers), "slack": viaSlack(tc.matchers)}
			for path, ok := range got {
				if ok != tc.want {
					t.Errorf("%s accepted=%v, want %v (all paths: %v)", path, ok, tc.want, got)
				}
			}
		})
	}
}
