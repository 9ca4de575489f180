package settings

import (
	"fmt"
	"strconv"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/state"
)

// DefaultPartitions spreads rooms over 16 hash tags: enough for 16 masters.
const DefaultPartitions = 16

// defaultRedisBatch: under load, concurrent callbacks share round trips;
// alone, a callback sends its own at once (state.Batcher). Measured in
// bench/ (see docs/performance.md).
const defaultRedisBatch = state.DefaultBatch

// StoreOptions reads how the state store lays out its keys and how it
// writes: HOOK_PARTITIONS (rooms spread over that many hash tags, fixed for
// a deployment) and HOOK_REDIS_WAIT_REPLICAS (replicas every callback's
// writes must reach before it is answered).
func StoreOptions(getenv func(string) string) (state.Options, error) {
	var opts state.Options
	var err error
	if opts.Partitions, err = wholeNumber("HOOK_PARTITIONS", getenv("HOOK_PARTITIONS"), DefaultPartitions, 1, keyspace.MaxPartitions); err != nil {
		return opts, err
	}
	if opts.WaitReplicas, err = wholeNumber("HOOK_REDIS_WAIT_REPLICAS", getenv("HOOK_REDIS_WAIT_REPLICAS"), 0, 0, 16); err != nil {
		return opts, err
	}
	return opts, nil
}

// RedisBatch is HOOK_REDIS_BATCH: how many concurrent callbacks' scripts may
// share one pipeline to Redis (0: each its own round trip).
func RedisBatch(getenv func(string) string) (int, error) {
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
