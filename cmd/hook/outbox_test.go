package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	outboxpkg "github.com/hookdev/hook/internal/outbox"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/state"
)

func TestCmdOutbox(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	st := outboxpkg.New(rdb, singleSlot(), outboxpkg.Options{})
	ctx := context.Background()
	for _, id := range []string{"p-1", "p-2"} {
		n := alert.Notification{ID: id, Rule: "user-dropped", CreatedAt: time.Now(), Receiver: alert.Receiver{Name: "oncall"}}
		oid := enqueue(t, rdb, st, n)
		if err := st.DeadLetter(ctx, alert.Delivery{ID: oid, Notification: n}, "slack chat.postMessage: channel_not_found"); err != nil {
			t.Fatal(err)
		}
	}
	dls, _ := st.DeadLetters(ctx, 10)
	srv := adminServer(t, handler.Deps{Store: state.New(rdb, "hook"), Outbox: st})

	outbox := func(token string, args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		getenv := func(k string) string {
			if k == "HOOK_ADMIN_TOKEN" {
				return token
			}
			return ""
		}
		err := run(ctx, append([]string{"outbox", args[0], "--url", srv.URL}, args[1:]...), getenv, nil, &out, &errOut)
		return out.String(), errOut.String(), err
	}

	tests := []struct {
		name  string
		token string
		args  []string
		code  int
		want  string // in stdout, or in the error or stderr when code != 0
	}{
		{"list", "tok", []string{"list"}, 0, "2 dead letters"},
		{"list shows reason", "tok", []string{"list"}, 0, "channel_not_found"},
		{"list json", "tok", []string{"list", "--json"}, 0, `"dead_letters": {`},
		{"retry", "tok", []string{"retry", dls[0].ID}, 0, dls[0].ID + " requeued"},
		{"retry again", "tok", []string{"retry", dls[0].ID}, 1, "404: no such dead letter"},
		{"drop", "tok", []string{"drop", dls[1].ID}, 0, dls[1].ID + " dropped"},
		{"after", "tok", []string{"list"}, 0, "outbox: 1 waiting (0 pending)"},
		{"wrong token", "nope", []string{"list"}, 1, "401"},
		{"no token", "", []string{"list"}, 2, "set HOOK_ADMIN_TOKEN"},
		{"no ids", "tok", []string{"drop"}, 2, "give the dead letter IDs"},
		{"unknown", "tok", []string{"purge"}, 2, `unknown subcommand "purge"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := outbox(tt.token, tt.args...)
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit %d, want %d (err %v, stderr %s)", got, tt.code, err, errOut)
			}
			text := out
			if tt.code != 0 {
				text = errOut
				if err != nil {
					text += err.Error()
				}
			}
			if !strings.Contains(text, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, text)
			}
		})
	}
}

// enqueue puts n on st's outbox, as the engine does when it pages, and
// returns its stream id.
func enqueue(t *testing.T, rdb *redis.Client, st *outboxpkg.Outbox, n alert.Notification) string {
	t.Helper()
	b, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: st.Key(), Values: []any{"n", b}}).Val()
}

// adminServer serves the admin API over deps, with admin token "tok", on
// the wall clock, logging nowhere.
func adminServer(t *testing.T, deps handler.Deps) *httptest.Server {
	t.Helper()
	deps.Log, deps.Now = slog.New(slog.DiscardHandler), time.Now
	srv := httptest.NewServer(handler.New(handler.Config{AdminToken: "tok"}, deps))
	t.Cleanup(srv.Close)
	return srv
}
