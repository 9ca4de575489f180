package ceiling

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrNoKey is returned when a ceiling is started without a callback key.
var ErrNoKey = errors.New("no callback key: set TRTC_CALLBACK_KEY")

// Options are what both ceiling commands read from their flags and environment.
type Options struct {
	Listen   string
	RedisURL string
	Key      string
}

// ParseFlags reads -listen and -redis; the key comes from TRTC_CALLBACK_KEY,
// as hook's does.
func ParseFlags(name string, args []string, getenv func(string) string, stderr io.Writer) (Options, error) {
	o := Options{Key: getenv("TRTC_CALLBACK_KEY")}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8090", "address to listen on")
	fs.StringVar(&o.RedisURL, "redis", "", "redis:// URL (the redis ceiling only)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.Key == "" {
		return o, ErrNoKey
	}
	return o, nil
}

// Serve runs h on o.Listen until ctx ends.
func Serve(ctx context.Context, o Options, h http.Handler) error {
	srv := &http.Server{Addr: o.Listen, Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
