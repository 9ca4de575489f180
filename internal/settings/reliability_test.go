package settings

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/cli"
)

func TestReliabilitySettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want Reliability
		err  string // substring of the refusal; "" when accepted
	}{
		{"defaults", nil, nil, Reliability{RedisTimeout: 2 * time.Second, RetryMax: 20 * time.Second, ReclaimIdle: time.Minute}, ""},
		{"environment", nil, map[string]string{"HOOK_REDIS_TIMEOUT": "1500ms", "HOOK_RETRY_MAX": "30s", "HOOK_RECLAIM_IDLE": "2m"},
			Reliability{RedisTimeout: 1500 * time.Millisecond, RetryMax: 30 * time.Second, ReclaimIdle: 2 * time.Minute}, ""},
		{"flags beat the environment", []string{"--redis-timeout", "1s", "--retry-max=5s"}, map[string]string{"HOOK_REDIS_TIMEOUT": "3s"},
			Reliability{RedisTimeout: time.Second, RetryMax: 5 * time.Second, ReclaimIdle: time.Minute}, ""},
		{"redis timeout at TRTC's budget", []string{"--redis-timeout", "5s"}, nil, Reliability{}, "under TRTC's 5s"},
		{"redis timeout not a duration", nil, map[string]string{"HOOK_REDIS_TIMEOUT": "2"}, Reliability{}, "--redis-timeout"},
		{"retry max too short", []string{"--retry-max", "100ms"}, nil, Reliability{}, "at least 1s"},
		{"reclaim idle too short", nil, map[string]string{"HOOK_RECLAIM_IDLE": "1s"}, Reliability{}, "at least 2s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseServe(tt.args, func(k string) string { return tt.env[k] }, 10*time.Minute)
			if tt.err != "" {
				var exit cli.Exit
				if !errors.As(err, &exit) || exit.Code != 2 || !strings.Contains(exit.Msg, tt.err) {
					t.Fatalf("got %v, want exit 2 saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Reliability != tt.want {
				t.Errorf("got %+v, want %+v", cfg.Reliability, tt.want)
			}
		})
	}
}
