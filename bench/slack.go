package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// slackStandIn is a Slack incoming webhook: it answers a well-formed post
// with 200 "ok", as Slack does, or, while down, every post with 500.
type slackStandIn struct {
	down     atomic.Bool
	accepted atomic.Int64 // posts answered 200
	refused  atomic.Int64 // posts answered 500 while down
	invalid  atomic.Int64 // posts that were not a Slack message
	srv      *http.Server
	url      string
}

// startSlack listens on a free loopback port until ctx ends or close.
func startSlack() (*slackStandIn, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("slack stand-in: %w", err)
	}
	s := &slackStandIn{url: "http://" + ln.Addr().String() + "/services/T00000000/B00000000/benchbenchbenchbench"}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *slackStandIn) close(ctx context.Context) {
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = s.srv.Close()
	}
}

// posts is every post received so far, however answered.
func (s *slackStandIn) posts() (accepted, refused, invalid int64) {
	return s.accepted.Load(), s.refused.Load(), s.invalid.Load()
}

func (s *slackStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		s.invalid.Add(1)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	if s.down.Load() {
		s.refused.Add(1)
		http.Error(w, "internal_error", http.StatusInternalServerError)
		return
	}
	var msg struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Text == "" && len(msg.Blocks) == 0 {
		s.invalid.Add(1)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.accepted.Add(1)
	_, _ = io.WriteString(w, "ok")
}
