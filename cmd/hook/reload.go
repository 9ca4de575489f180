package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/reload"
)

// startReload keeps the router's rules in step with the rules file: on every
// change to it (watched by the reloader) and on SIGHUP. Embedded rules never
// change, so then SIGHUP is only acknowledged. It stops when ctx ends.
func startReload(ctx context.Context, path string, router reload.Swapper, cat *catalog.Catalog, getenv env, now func() time.Time, reg prometheus.Registerer, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	var reloader *reload.Reloader
	if path != "" {
		reloader = reload.New(reload.Config{Path: path, Catalog: cat, Getenv: getenv, Now: now},
			router, reload.NewMetrics(reg), log)
		go func() {
			if err := reloader.Run(ctx); err != nil {
				log.Error("rules watcher stopped: reload with SIGHUP", "err", err)
			}
		}()
	}
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if reloader == nil {
					log.Info("SIGHUP: the rules are embedded; nothing to reload (use --rules FILE)")
					continue
				}
				log.Info("SIGHUP: reloading rules")
				_ = reloader.Reload() // errors are logged and counted by the reloader
			}
		}
	}()
}
