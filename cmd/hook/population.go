package main

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/store"
)

// newPopulation builds the room population tracker serve runs, in the
// store's partitions, its writer started: the engine feeds it every room
// event (engine.WithPopulation), its Run refreshes the app counts and ages
// idle rooms out, and Close writes what is queued. It also serves the reads
// the rest of hook takes through interfaces of their own: AppPresent (app
// counts, cached: thresholds relative to an app) and Member (what a user's
// entry said: the enrichment of their exit's page).
func newPopulation(rdb redis.UniversalClient, layout store.Layout, timeout time.Duration, reg prometheus.Registerer, log *slog.Logger) *population.Tracker {
	p := population.New(rdb, layout, population.Options{Timeout: timeout, Metrics: population.NewMetrics(reg), Log: log})
	p.Start()
	return p
}
