package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/silence"
	"github.com/hookdev/hook/internal/state"
)

// openStore returns the state store on rdb, tuned by opts.
func openStore(rdb redis.UniversalClient, opts state.Options, log *slog.Logger) (*state.Redis, error) {
	st, err := state.NewPartitioned(rdb, keyPrefix, opts)
	if err != nil {
		return nil, cli.Exit{Code: 2, Msg: "hook serve: " + err.Error()}
	}
	log.Info("state store layout", "partitions", st.Layout().Partitions(), "wait_replicas", opts.WaitReplicas)
	return st, nil
}

// migrate carries the silences of a hook from before partitioning into the
// partitions (its queued pages and timers are drained where they are; see
// silence.Store.Migrate). Legacy: removed in the next release, with it. A failure is logged, not fatal: hook serves without the
// old silences rather than not at all, and the next start copies them.
//
// Every silence also has a copy in the single-slot layout, for old replicas
// during a rolling upgrade, so Migrate copies every silence again at every
// start: only those the partitions did not have yet were migrated, and only
// they are worth a line. A fresh install says nothing about migrations.
func migrate(ctx context.Context, st *silence.Store, clock func() time.Time, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := clock()
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
