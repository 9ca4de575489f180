package handler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/rules"
)

// hungStore stands in for a Redis that accepted the connection and never
// answers (SIGSTOP): every call fails as the store does once its deadline
// passes, coded unavailable. It records how long it was given, and returns
// at once (the client's deadline handling is the fault suite's to prove).
type hungStore struct {
	fakeRouter
	given time.Duration
	ok    bool
}

func (h *hungStore) wait(ctx context.Context) error {
	var deadline time.Time
	deadline, h.ok = ctx.Deadline()
	h.given = time.Until(deadline)
	return fmt.Errorf("%w: %w", &alert.Error{Code: alert.EUNAVAILABLE, Reason: "unavailable", Message: "state store unavailable"}, context.DeadlineExceeded)
}

// Fire and Tick make it the engine's store: the engine, not the handler,
// sets a callback's commit deadline.
func (h *hungStore) Fire(ctx context.Context, _ time.Time, _ []alert.Alert) ([]alert.Verdict, error) {
	return nil, h.wait(ctx)
}

func (h *hungStore) Tick(ctx context.Context, _ time.Time, _ int) ([]alert.TickOutcome, error) {
	return nil, h.wait(ctx)
}

func (h *hungStore) Ping(ctx context.Context) error { return h.wait(ctx) }

// TestHungStoreAnswers503WithinDeadlines: with the store hanging, a callback
// gets 503 (TRTC retries) once its commit deadline passes, and /readyz 503
// once its ping deadline passes; neither waits for the store's own timeouts.
func TestHungStoreAnswers503WithinDeadlines(t *testing.T) {
	cat := catalogtest.New(t)
	rs, err := rules.Compile("test", []byte("receivers: [{name: c, console: {}}]\ndefault_receiver: c\nrules: [{name: r, match: {event: room.exit}}]\n"), cat, func(string) string { return vectorKey })
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"EventGroupId":1,"EventType":104,"CallbackTs":%d,"EventInfo":{"RoomId":1}}`, vectorTime.UnixMilli())
	tests := []struct {
		name   string
		req    func() *http.Request
		commit time.Duration // engine.WithCommitTimeout; 0: the default
		within time.Duration // the deadline the store must have been given
	}{
		{"callback", func() *http.Request { return vectorSigned(body) }, 30 * time.Millisecond, 30 * time.Millisecond},
		{"callback, default", func() *http.Request { return vectorSigned(body) }, 0, engine.DefaultCommitTimeout},
		{"readyz", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/readyz", nil) }, 0, readyTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hung := &hungStore{}
			router := engine.New(cat, rs, hung, func() time.Time { return vectorTime }, nil).WithCommitTimeout(tt.commit)
			h := New(Config{}, Deps{Router: router, Catalog: cat, Store: hung, Rules: fakeRules{rs},
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return vectorTime }})
			rec := serve(h, tt.req())
			if rec.Code != http.StatusServiceUnavailable {
				t.Errorf("status %d %s, want 503", rec.Code, rec.Body)
			}
			if !hung.ok {
				t.Fatal("the store was called without a deadline")
			}
			if d := hung.given; d > tt.within || d <= 0 {
				t.Errorf("the store was given %s, want at most %s", d, tt.within)
			}
		})
	}
}
