package handler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/rules"
)

type fakePinger struct{ err error }

func (p fakePinger) Ping(context.Context) error { return p.err }

type fakeRules struct{ rs *rules.Ruleset }

func (f fakeRules) Ruleset() *rules.Ruleset { return f.rs }

func TestReadyz(t *testing.T) {
	cat := catalogtest.New(t)
	rs, err := rules.Compile("test", []byte("receivers: [{name: c, console: {}}]\ndefault_receiver: c\nrules: [{name: r, match: {event: room.exit}}]\n"), cat, func(string) string { return "k" })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		rules  RulesSource
		ping   error
		status int
		body   string
	}{
		{"ready", fakeRules{rs}, nil, http.StatusOK, `"status":"ready"`},
		{"no rules source", nil, nil, http.StatusServiceUnavailable, `"reason":"rules not loaded"`},
		{"no ruleset yet", fakeRules{nil}, nil, http.StatusServiceUnavailable, `"reason":"rules not loaded"`},
		{"redis down", fakeRules{rs}, errors.New("state store unavailable: dial tcp 10.0.0.1:6379: connect: connection refused"),
			http.StatusServiceUnavailable, `"reason":"state store (Redis) not answering"`},
		{"redis too old", fakeRules{rs}, &alert.Error{Code: alert.EUNAVAILABLE, Reason: alert.ReasonStoreUnsupported,
			Message: "Redis older than 6.2: hook needs XAUTOCLAIM and SET … GET", Err: errors.New("redis_version 6.0.16 at 10.0.0.1:6379")},
			http.StatusServiceUnavailable, `"reason":"Redis older than 6.2: hook needs XAUTOCLAIM and SET … GET"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{}, Deps{Catalog: cat, Store: fakePinger{tc.ping}, Rules: tc.rules,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now})
			rec := serve(h, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("got %d %s, want %d with %s", rec.Code, rec.Body, tc.status, tc.body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestMetricsRoute(t *testing.T) {
	cat := catalogtest.New(t)
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	withGatherer := New(Config{}, Deps{Catalog: cat, Store: fakePinger{}, Log: log, Now: time.Now, Metrics: NewMetrics(reg), Gatherer: reg})
	rec := serve(withGatherer, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "hook_callback_duration_seconds") {
		t.Errorf("/metrics: %d\n%s", rec.Code, rec.Body)
	}
	without := New(Config{}, Deps{Catalog: cat, Store: fakePinger{}, Log: log, Now: time.Now})
	rec = httptest.NewRecorder()
	without.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/metrics without a Gatherer: %d, want 404", rec.Code)
	}
}
