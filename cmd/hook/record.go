package main

import (
	"cmp"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/store"
)

// inProcessRecordMax is the record's default length on the in-process
// Redis, which lives in hook's own memory: 100,000 callbacks, about 25 MB
// (TRTC's room events).
const inProcessRecordMax = 100_000

// recordConfig is the record of accepted callbacks `hook backtest` replays
// (internal/record).
type recordConfig struct {
	on     bool          // HOOK_RECORD: on (default) or off
	maxAge time.Duration // HOOK_RECORD_AGE
	maxLen int           // HOOK_RECORD_MAX; 0: the default for the Redis in use
}

// recordFlags registers the record's settings on fs and returns the
// function that reads them once fs is parsed.
func recordFlags(fs *pflag.FlagSet) func() (recordConfig, error) {
	on := fs.String("record", "on", "keep a record of accepted callbacks for hook backtest: on or off")
	cli.FromEnv(fs, "record", "HOOK_RECORD")
	age := fs.String("record-age", record.DefaultMaxAge.String(), "how long the record keeps a callback")
	cli.FromEnv(fs, "record-age", "HOOK_RECORD_AGE")
	maxLen := fs.String("record-max", "",
		fmt.Sprintf("callbacks the record keeps, at most (default %d, %d on the in-process Redis)", record.DefaultMaxLen, inProcessRecordMax))
	cli.FromEnv(fs, "record-max", "HOOK_RECORD_MAX")
	return func() (recordConfig, error) {
		var c recordConfig
		switch strings.ToLower(*on) {
		case "on", "true", "1", "yes":
			c.on = true
		case "off", "false", "0", "no":
		default:
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --record %q: use on or off", *on)}
		}
		var err error
		if c.maxAge, err = time.ParseDuration(*age); err != nil || c.maxAge < time.Minute {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --record-age %q is not a duration of at least 1m, like 24h", *age)}
		}
		if *maxLen != "" {
			if c.maxLen, err = strconv.Atoi(*maxLen); err != nil || c.maxLen < 1000 || c.maxLen > 100_000_000 {
				return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --record-max %q is not a whole number from 1000 to 100000000", *maxLen)}
			}
		}
		return c, nil
	}
}

// newRecord builds the record serve keeps: the writer the handler hands
// every accepted callback (nil when the record is off), its reader for the
// admin API (served even when off: what was kept before is still there),
// and stop, which writes what is queued once the server has stopped.
func newRecord(c recordConfig, inProcess bool, rdb redis.UniversalClient, layout store.Layout, timeout time.Duration, now func() time.Time,
	reg prometheus.Registerer, log *slog.Logger) (handler.Recorder, handler.RecordSource, func()) {
	src := record.NewReader(rdb, layout, timeout)
	if !c.on {
		log.Info("record of accepted callbacks: off (HOOK_RECORD=off): hook backtest can replay only files")
		return nil, src, func() {}
	}
	maxLen := c.maxLen
	if maxLen == 0 && inProcess {
		maxLen = inProcessRecordMax
	}
	w := record.NewWriter(rdb, layout, record.Options{MaxAge: c.maxAge, MaxLen: maxLen, Timeout: timeout, Now: now,
		Metrics: record.NewMetrics(reg), Log: log})
	w.Start()
	log.Info("record of accepted callbacks", "age", c.maxAge, "max", cmp.Or(maxLen, record.DefaultMaxLen))
	return w, src, w.Close
}
