package main

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/settings"
)

// newRecord builds the record serve keeps: the writer the handler hands
// every accepted callback (nil when the record is off), its reader for the
// admin API (served even when off: what was kept before is still there),
// and stop, which writes what is queued once the server has stopped.
func newRecord(c settings.Record, inProcess bool, rdb redis.UniversalClient, layout keyspace.Layout, timeout time.Duration, now func() time.Time,
	reg prometheus.Registerer, log *slog.Logger) (handler.Recorder, handler.RecordSource, func()) {
	src := record.NewReader(rdb, layout, timeout)
	if !c.On {
		log.Info("record of accepted callbacks: off (HOOK_RECORD=off): hook backtest can replay only files")
		return nil, src, func() {}
	}
	maxLen := c.MaxLen
	if maxLen == 0 && inProcess {
		maxLen = settings.InProcessRecordMax
	}
	w := record.NewWriter(rdb, layout, record.Options{MaxAge: c.MaxAge, MaxLen: maxLen, Timeout: timeout, Now: now,
		Metrics: record.NewMetrics(reg), Log: log})
	w.Start()
	log.Info("record of accepted callbacks", "age", c.MaxAge, "max", cmp.Or(maxLen, record.DefaultMaxLen))
	return w, src, w.Close
}
