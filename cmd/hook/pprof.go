package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves Go's profiler on addr (HOOK_PPROF_LISTEN) until ctx
// ends: CPU, heap and allocation profiles of a running hook, as the bench
// harness's -profile takes them. It is a listener of its own, never the
// callback port, because profiles are for operators on a private address
// (127.0.0.1:6060), not for whoever can reach TRTC's callback URL.
func servePprof(ctx context.Context, addr string, log *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("HOOK_PPROF_LISTEN: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("profiler listener stopped", "err", err)
		}
	}()
	log.Warn("Go profiler listening: keep this address private", "addr", ln.Addr().String())
	return func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = srv.Shutdown(stopCtx)
	}, nil
}
