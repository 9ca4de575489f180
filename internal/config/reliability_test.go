package main

import (
	"errors"
	"io"
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
		want reliabilityConfig
		err  string // substring of the refusal; "" when accepted
	}{
		{"defaults", nil, nil, reliabilityConfig{redisTimeout: 2 * time.Second, retryMax: 20 * time.Second, reclaimIdle: time.Minute}, ""},
		{"environment", nil, map[string]string{"HOOK_REDIS_TIMEOUT": "1500ms", "HOOK_RETRY_MAX": "30s", "HOOK_RECLAIM_IDLE": "2m"},
			reliabilityConfig{redisTimeout: 1500 * time.Millisecond, retryMax: 30 * time.Second, reclaimIdle: 2 * time.Minute}, ""},
		{"flags beat the environment", []string{"--redis-timeout", "1s", "--retry-max=5s"}, map[string]string{"HOOK_REDIS_TIMEOUT": "3s"},
			reliabilityConfig{redisTimeout: time.Second, retryMax: 5 * time.Second, reclaimIdle: time.Minute}, ""},
		{"redis timeout at TRTC's budget", []string{"--redis-timeout", "5s"}, nil, reliabilityConfig{}, "under TRTC's 5s"},
		{"redis timeout not a duration", nil, map[string]string{"HOOK_REDIS_TIMEOUT": "2"}, reliabilityConfig{}, "--redis-timeout"},
		{"retry max too short", []string{"--retry-max", "100ms"}, nil, reliabilityConfig{}, "at least 1s"},
		{"reclaim idle too short", nil, map[string]string{"HOOK_RECLAIM_IDLE": "1s"}, reliabilityConfig{}, "at least 2s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseServe(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
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
			if cfg.reliability != tt.want {
				t.Errorf("got %+v, want %+v", cfg.reliability, tt.want)
			}
		})
	}
}
