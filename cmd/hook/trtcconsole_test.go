package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/settings"
)

// TestTRTCConsoleSetting: HOOK_TRTC_CONSOLE_URL points the pages' call-quality
// link at another console (the international site's), and a value that is
// no link refuses to start.
func TestTRTCConsoleSetting(t *testing.T) {
	tests := []struct {
		name, value string
		want        string // the link's start; "" when refused
	}{
		{"default", "", words.DefaultTRTCConsole + "?"},
		{"international", "https://console.trtc.io/monitor", "https://console.trtc.io/monitor?"},
		{"not a link", "console.trtc.io/monitor", ""},
		{"another scheme", "ftp://console.trtc.io/monitor", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := settings.ParseServe(nil, func(k string) string {
				if k == "HOOK_TRTC_CONSOLE_URL" {
					return tt.value
				}
				return ""
			}, handler.DefaultReplayWindow)
			if tt.want == "" {
				var exit cli.Exit
				if !errors.As(err, &exit) || exit.Code != 2 || !strings.Contains(exit.Msg, "HOOK_TRTC_CONSOLE_URL") {
					t.Fatalf("got %v, want exit 2 naming HOOK_TRTC_CONSOLE_URL", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			senders, err := newSenders(cfg, nil, &out, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			// Without Slack credentials Slack pages print to the console.
			p := alert.Notification{ID: "p1", Kind: alert.KindFiring, Rule: "r",
				Event: alert.Event{App: "1400000001", Room: "8489", RoomKey: "8489", Time: time.Unix(1700000000, 0)}}
			if _, err := senders[alert.ReceiverSlack].Send(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "trtc console: "+tt.want) {
				t.Errorf("page links elsewhere:\n%s", out.String())
			}
		})
	}
}
