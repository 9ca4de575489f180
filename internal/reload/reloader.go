// Package reload keeps a server's rules in step with its rules file: it
// watches the file's directory (editors' renames, Kubernetes ConfigMap swaps),
// compiles each new version whole and swaps it in, or logs every error and
// keeps the rules already serving. It owns the reload metrics.
package reload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/rules"
)

// Metrics report how rules reloads went.
type Metrics struct {
	success     prometheus.Gauge
	lastSuccess prometheus.Gauge
	reloads     *prometheus.CounterVec
}

// NewMetrics creates the reload metrics and registers them with reg
// (nil: not registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hook_rules_reload_success",
			Help: "1 if the last rules reload succeeded (or none was tried), 0 if the file was invalid and the previous rules still serve.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hook_rules_last_reload_success_timestamp_seconds",
			Help: "When the serving rules were loaded, as a Unix time.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_rules_reloads_total",
			Help: "Rules reloads by outcome: success, failure (invalid file, old rules kept) or unchanged (same content).",
		}, []string{"outcome"}),
	}
	for _, o := range []string{"success", "failure", "unchanged"} {
		m.reloads.WithLabelValues(o)
	}
	if reg != nil {
		reg.MustRegister(m.success, m.lastSuccess, m.reloads)
	}
	return m
}

// Config says what to reload and how to compile it.
type Config struct {
	Path    string
	Catalog *catalog.Catalog
	Getenv  func(string) string
	// Debounce waits for a burst of file events (an editor's write, rename,
	// chmod) to settle before reloading once. Default 250ms.
	Debounce time.Duration
	Now      func() time.Time // the clock (required)
}

// Swapper serves a ruleset and takes a new one (engine.Engine).
type Swapper interface {
	Ruleset() *rules.Ruleset
	Swap(*rules.Ruleset)
}

// Reloader keeps an engine's rules in step with the rules file. A valid file
// is swapped in whole; an invalid one is logged with every error and the
// rules already serving keep serving.
type Reloader struct {
	cfg     Config
	router  Swapper
	metrics *Metrics
	log     *slog.Logger

	mu   sync.Mutex // one reload at a time
	last []byte     // the content last compiled, to skip events that changed nothing
}

// New returns a reloader for a router whose current rules were just
// loaded from cfg.Path.
func New(cfg Config, router Swapper, metrics *Metrics, log *slog.Logger) *Reloader {
	if cfg.Debounce <= 0 {
		cfg.Debounce = 250 * time.Millisecond
	}
	r := &Reloader{cfg: cfg, router: router, metrics: metrics, log: log}
	r.last, _ = os.ReadFile(cfg.Path)
	metrics.success.Set(1)
	metrics.lastSuccess.Set(float64(cfg.Now().UnixNano()) / 1e9)
	return r
}

// Reload reads and compiles the file now, whether or not it changed (SIGHUP:
// secrets in env files may have). It returns the file's errors, if any.
func (r *Reloader) Reload() error { return r.reload(true) }

func (r *Reloader) reload(force bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, err := os.ReadFile(r.cfg.Path)
	if err != nil {
		r.failed(fmt.Errorf("read rules: %w", err))
		return err
	}
	if !force && bytes.Equal(data, r.last) {
		r.metrics.reloads.WithLabelValues("unchanged").Inc()
		return nil
	}
	r.last = data
	rs, err := rules.Compile(r.cfg.Path, data, r.cfg.Catalog, r.cfg.Getenv)
	if err != nil {
		r.failed(err)
		return err
	}
	if old := r.router.Ruleset(); old != nil && !sameDelivery(old.Delivery(), rs.Delivery()) {
		r.log.Warn("the delivery: section changed; it takes effect at the next restart (rules changes apply now)")
	}
	r.router.Swap(rs)
	r.metrics.success.Set(1)
	r.metrics.lastSuccess.Set(float64(r.cfg.Now().UnixNano()) / 1e9)
	r.metrics.reloads.WithLabelValues("success").Inc()
	r.log.Info("rules reloaded", "source", rs.Source(), "rules", rs.Len(), "receivers", rs.Receivers(), "apps", rs.Apps())
	return nil
}

func (r *Reloader) failed(err error) {
	// Forget the content: the same file coming back (a moved-away file moved
	// back) must be compiled again and count as a success, not "unchanged".
	r.last = nil
	r.metrics.success.Set(0)
	r.metrics.reloads.WithLabelValues("failure").Inc()
	var le *rules.LoadError
	if errors.As(err, &le) {
		for _, e := range le.Errs {
			r.log.Error("rules file error", "error", e)
		}
		err = fmt.Errorf("%d error(s)", len(le.Errs))
	}
	r.log.Error("rules reload failed: the previous rules keep serving", "source", r.cfg.Path, "err", err)
}

func sameDelivery(a, b rules.DeliverySettings) bool {
	if a.MaxAge != b.MaxAge || a.Flood != b.Flood || (a.Fallback == nil) != (b.Fallback == nil) {
		return false
	}
	return a.Fallback == nil || a.Fallback.Name == b.Fallback.Name && a.Fallback.Channel == b.Fallback.Channel
}

// Run watches the rules file until ctx ends. It watches the file's directory,
// not the file, so that an editor's write-to-temp-and-rename and a Kubernetes
// ConfigMap update (an atomic swap of the `..data` symlink) are both seen.
func (r *Reloader) Run(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch rules: %w", err)
	}
	defer w.Close()
	dir, base := filepath.Split(filepath.Clean(r.cfg.Path))
	if dir == "" {
		dir = "."
	}
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch rules directory %s: %w", dir, err)
	}
	r.log.Info("watching rules for changes", "path", r.cfg.Path)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if name := filepath.Base(ev.Name); name == base || name == "..data" {
				timer.Reset(r.cfg.Debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			r.log.Warn("rules watcher", "err", err)
		case <-timer.C:
			_ = r.reload(false) // errors are logged and counted
		}
	}
}
