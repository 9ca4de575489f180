package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/enrich"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/population"
)

// newPopulation builds the room population tracker serve runs, in the
// store's partitions, its writer started: the engine feeds it every room
// event (engine.WithPopulation), its Run refreshes the app counts and ages
// idle rooms out, and Close writes what is queued. It also serves the reads
// the rest of hook takes through interfaces of their own: AppPresent (app
// counts, cached: thresholds relative to an app) and Member (what a user's
// entry said: the enrichment of their exit's page).
func newPopulation(rdb redis.UniversalClient, layout keyspace.Layout, timeout time.Duration, now func() time.Time, reg prometheus.Registerer, log *slog.Logger) *population.Tracker {
	p := population.New(rdb, layout, population.Options{Timeout: timeout, Now: now, Metrics: population.NewMetrics(reg), Log: log})
	p.Start()
	// Read the app counts once before the first callback: until the first
	// refresh an app's population is unknown (0), and a threshold relative
	// to it would need its floor alone.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := p.Refresh(ctx); err != nil {
		log.Warn("room population: first read of the app counts failed; they are read again every 2s", "err", err)
	}
	return p
}

// members answers the enricher's questions about a user's room entry from
// the population (their fields are the same, in the same order).
func members(p *population.Tracker) enrich.Members {
	return enrich.MembersFunc(func(ctx context.Context, app, roomKey, user string) (enrich.Member, bool, error) {
		m, ok, err := p.Member(ctx, app, roomKey, user)
		return enrich.Member(m), ok, err
	})
}
