package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/store"
)

// defaultPartitions spreads rooms over 16 hash tags: enough for 16 masters.
const defaultPartitions = 16

// defaultRedisBatch: under load, concurrent callbacks share round trips;
// alone, a callback sends its own at once (store.Batcher). Measured in
// bench/ (see docs/performance.md).
const defaultRedisBatch = store.DefaultBatch

// storeOptions reads how the state store lays out its keys and how it
// writes: HOOK_PARTITIONS (rooms spread over that many hash tags, fixed for
// a deployment) and HOOK_REDIS_WAIT_REPLICAS (replicas every callback's
// writes must reach before it is answered).
func storeOptions(getenv env) (store.Options, error) {
	var opts store.Options
	var err error
	if opts.Partitions, err = wholeNumber("HOOK_PARTITIONS", getenv("HOOK_PARTITIONS"), defaultPartitions, 1, store.MaxPartitions); err != nil {
		return opts, err
	}
	if opts.WaitReplicas, err = wholeNumber("HOOK_REDIS_WAIT_REPLICAS", getenv("HOOK_REDIS_WAIT_REPLICAS"), 0, 0, 16); err != nil {
		return opts, err
	}
	return opts, nil
}

// redisBatch is HOOK_REDIS_BATCH: how many concurrent callbacks' scripts may
// share one pipeline to Redis (0: each its own round trip).
func redisBatch(getenv env) (int, error) {
	return wholeNumber("HOOK_REDIS_BATCH", getenv("HOOK_REDIS_BATCH"), defaultRedisBatch, 0, 1024)
}

// wholeNumber reads raw, the value of variable name: def when unset, else a
// whole number between lo and hi.
func wholeNumber(name, raw string, def, lo, hi int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: %s=%q is not a whole number between %d and %d", name, raw, lo, hi)}
	}
	return n, nil
}

// openStore returns the state store on rdb, tuned by opts.
func openStore(rdb redis.UniversalClient, opts store.Options, log *slog.Logger) (*store.Redis, error) {
	st, err := store.NewPartitioned(rdb, keyPrefix, opts)
	if err != nil {
		return nil, cli.Exit{Code: 2, Msg: "hook serve: " + err.Error()}
	}
	log.Info("state store layout", "partitions", st.Layout().Partitions(), "wait_replicas", opts.WaitReplicas)
	return st, nil
}

// migrate carries the silences of a hook from before partitioning into the
// partitions (its queued pages and timers are drained where they are; see
// store.Migrate). A failure is logged, not fatal: hook serves without the
// old silences rather than not at all, and the next start copies them.
//
// Every silence also has a copy in the single-slot layout, for old replicas
// during a rolling upgrade, so Migrate copies every silence again at every
// start: only those the partitions did not have yet were migrated, and only
// they are worth a line. A fresh install says nothing about migrations.
func migrate(ctx context.Context, st *store.Redis, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := time.Now()
	before, err := st.Silences(ctx, now)
	if err == nil {
		var n int
		if n, err = st.Migrate(ctx, now); err == nil && n > 0 {
			after, err := st.Silences(ctx, now)
			if copied := len(after) - len(before); err == nil && copied > 0 {
				log.Info("copied silences of the single-slot layout into every partition", "silences", copied)
			}
		}
	}
	if err != nil {
		log.Error("could not copy the silences of the single-slot layout; they do not mute until the next start copies them", "err", err)
	}
}
