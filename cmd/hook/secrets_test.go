package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/hookdev/hook"
)

// failingSlack answers the Web API's chat.postMessage and incoming webhooks,
// failing the first `fail` requests with 500 so the retry path logs too.
func failingSlack(t *testing.T, fail int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n <= fail {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/services/") {
			fmt.Fprint(w, "ok")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"channel":"C0123","ts":"1700000000.%06d"}`, n)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestLogsCarryNoSecrets runs whole servers with every kind of secret set,
// drives callbacks through verification failures, Slack retries and
// deliveries, and checks no secret value appears in anything printed.
func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	const (
		allKey     = "AllAppsKey0123456789abcdef"
		appKey     = "PerAppKey0123456789abcdefgh"
		botToken   = "xoxb-111-222-BotTokenSecret"
		signing    = "SigningSecret0123456789abcdef"
		adminToken = "AdminTokenSecret0123456789"
		redisPass  = "RedisPasswordSecret42"
	)
	// The example's call app gets a key of its own; its live app keeps
	// taking TRTC_CALLBACK_KEY.
	const callEntry = "    name: calls\n    scene: call\n"
	if !strings.Contains(string(hook.ExampleRules), callEntry) {
		t.Fatal("the example rules no longer list the call app")
	}
	rulesFile := writeFile(t, "rules.yaml", strings.Replace(string(hook.ExampleRules), callEntry,
		callEntry+"    callback_key: {env: STAGING_KEY}\n", 1))

	for _, run := range []struct{ format, delivery string }{{"text", "bot"}, {"json", "webhook"}} {
		format, delivery := run.format, run.delivery
		{
			t.Run(format+"/"+delivery, func(t *testing.T) {
				mr := miniredis.RunT(t)
				mr.RequireAuth(redisPass)
				slackSrv, calls := failingSlack(t, 1)
				webhookURL := slackSrv.URL + "/services/T0001/B0002/WebhookPathSecretXYZ"
				env := map[string]string{
					"TRTC_CALLBACK_KEY":    allKey,
					"STAGING_KEY":          appKey,
					"HOOK_RULES":           rulesFile,
					"HOOK_REDIS_URL":       "redis://:" + redisPass + "@" + mr.Addr() + "/0",
					"HOOK_LOG_FORMAT":      format,
					"HOOK_LOG_LEVEL":       "debug",
					"SLACK_SIGNING_SECRET": signing,
					"HOOK_ADMIN_TOKEN":     adminToken,
				}
				secrets := []string{allKey, appKey, signing, adminToken, redisPass}
				if delivery == "bot" {
					env["SLACK_BOT_TOKEN"] = botToken
					env["SLACK_API_URL"] = slackSrv.URL + "/api/"
					secrets = append(secrets, botToken)
				} else {
					env["SLACK_WEBHOOK_URL"] = webhookURL
					secrets = append(secrets, webhookURL, "WebhookPathSecretXYZ")
				}
				s := startServe(t, env)

				for _, c := range []struct {
					app, key string
					body     []byte
					want     int
				}{
					{"1400000001", allKey, uploadError(8489, "u1"), http.StatusOK},
					{"1400000002", appKey, uploadError(8490, "u2"), http.StatusOK},
					{"1400000002", allKey, uploadError(8490, "u3"), http.StatusUnauthorized}, // staging has its own key
					{"1400000001", appKey, uploadError(8489, "u4"), http.StatusUnauthorized},
					{"1400000001", allKey, []byte(`{"EventGroupId":1}`), http.StatusBadRequest},
				} {
					if got := post(t, s.url, c.app, c.key, c.body); got != c.want {
						t.Errorf("app %s: status %d, want %d", c.app, got, c.want)
					}
				}
				// One 500 then two deliveries: the retry is logged with its error.
				waitFor(t, 15*time.Second, "both pages delivered to the fake Slack", func() bool {
					return calls.Load() >= 3 && strings.Count(s.stderr.String(), "page delivered") >= 2
				})
				if err := s.stop(); err != nil {
					t.Fatalf("serve: %v", err)
				}
				out := s.stdout.String() + s.stderr.String()
				if !strings.Contains(out, "will retry") {
					t.Errorf("the failed send was not logged; the test would prove nothing about error logs:\n%s", out)
				}
				for _, secret := range secrets {
					if strings.Contains(out, secret) {
						t.Errorf("secret %q appears in the output:\n%s", secret, grepLines(out, secret))
					}
				}
				// The one-line-per-callback contract.
				for _, want := range []string{"app", "room", "event", "outcome", "latency"} {
					if !bytes.Contains([]byte(grepLines(s.stderr.String(), "callback")), []byte(want)) {
						t.Errorf("callback log lines lack %q", want)
					}
				}
			})
		}
	}
}
