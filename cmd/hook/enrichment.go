package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/enrich"
	"github.com/hookdev/hook/internal/trtcapi"
)

// newEnricher turns call-quality enrichment on when Tencent Cloud API
// credentials are set (TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY);
// nil means off: pages go out without "what the client saw", and get no
// follow-up. members, when not nil, tells user pages what the user's room
// entry (103) said of their client; nil leaves that out.
func newEnricher(getenv env, cat *catalog.Catalog, rooms enrich.RoomRecords, members enrich.Members, now func() time.Time, reg prometheus.Registerer, log *slog.Logger) (*enrich.Pages, error) {
	// Registered either way: the dashboard and alerts see enrichment idle
	// rather than missing.
	metrics := enrich.NewMetrics(reg)
	cfg, ok := trtcapi.ConfigFromEnv(getenv)
	if !ok {
		log.Info("call-quality enrichment off: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to add what the client saw to pages")
		return nil, nil
	}
	client, err := trtcapi.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("call-quality enrichment: %w", err)
	}
	e := enrich.New(client, cat, enrich.RoomCreationsOf(rooms), enrich.Options{Metrics: metrics, Members: members}, log, now)
	log.Info("call-quality enrichment on", "api", cfg.String())
	return enrich.NewPages(e, rooms), nil
}
