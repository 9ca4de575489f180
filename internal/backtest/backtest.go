// Package backtest replays recorded callbacks through two rulesets, the one
// serving and an edited one, and says what each would have paged, rule by
// rule, and what differs: `hook backtest`.
//
// Each ruleset runs on its own in-memory Redis (miniredis) with the
// server's engine, store and scripts, on a clock that follows the
// callbacks' own times and fires every timer at its due time, as `hook test
// --sequence` does; nothing is sent. The callbacks are streamed, never
// loaded whole: a day of a busy app replays in memory bounded by the
// rulesets' state (what a server keeps in Redis) and by the pages awaiting
// their match (see Match), with the two rulesets on two goroutines.
//
// A page of one ruleset is the same page as one of the other when both
// are of the same rule, the same kind (first page, update, resolved), the
// same dedup key and the same receiver, within Match of each other: a
// changed wait (for: 30s to 60s) moves a page, it does not make it another.
package backtest

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/rules"
)

// Defaults of Options.
const (
	// DefaultSettle is how long after the last callback timers keep firing,
	// so that waits the period's callbacks opened say how they end.
	DefaultSettle = time.Hour
	// DefaultExamples is how many pages a changed rule shows of each side.
	DefaultExamples = 3
	// DefaultMatch is how far apart two pages may be and still be the same.
	DefaultMatch = time.Hour
)

// Source yields the callbacks to replay, in order, to fn; an error of fn
// stops it and is returned. record.Reader.Read, bound to a query, is one;
// a file is another (ReadTimeline).
type Source func(ctx context.Context, fn func(record.Entry) error) error

// Options say what to compare.
type Options struct {
	Catalog *catalog.Catalog
	// Current and New are the two rulesets, named as the report shows them
	// (the file, or "the embedded rules.example.yaml").
	Current, New         *rules.Ruleset
	CurrentName, NewName string
	Settle               time.Duration // DefaultSettle unless set
	Examples             int           // DefaultExamples unless set; <0: none
	Match                time.Duration // DefaultMatch unless set
}

// batch is how many callbacks go to the replays at once.
const batch = 256

// item is one callback to replay.
type item struct {
	ev callback.Event
	at time.Time
}

// result is what one replay made of a batch.
type result struct {
	side     int
	pages    []page
	progress time.Time // the replay's clock at the end of the batch
	err      error
}

// Run replays what src yields through both rulesets and reports. A
// callback that does not decode (none the server accepted) is skipped and
// counted.
func Run(ctx context.Context, opts Options, src Source) (*Report, error) {
	if opts.Settle <= 0 {
		opts.Settle = DefaultSettle
	}
	if opts.Examples == 0 {
		opts.Examples = DefaultExamples
	}
	if opts.Match <= 0 {
		opts.Match = DefaultMatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var replayers [2]*replayer
	for i, rs := range []*rules.Ruleset{opts.Current, opts.New} {
		r, err := newReplayer(opts.Catalog, rs)
		if err != nil {
			return nil, err
		}
		defer r.close()
		replayers[i] = r
	}
	rep := newReport(opts)
	d := newDiffer(rep, opts)
	results := make(chan result, 8)
	var inputs [2]chan []item
	var wg sync.WaitGroup
	for i := range replayers {
		inputs[i] = make(chan []item, 4)
		wg.Go(func() { replaySide(ctx, i, replayers[i], inputs[i], opts.Settle, results) })
	}
	diffDone := make(chan error, 1)
	go func() { diffDone <- d.run(results, cancel) }()

	var (
		cur      []item
		n, bad   int
		from, to time.Time
	)
	send := func() error {
		if len(cur) == 0 {
			return nil
		}
		for _, in := range inputs {
			select {
			case in <- cur:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		cur = make([]item, 0, batch)
		return nil
	}
	readErr := src(ctx, func(e record.Entry) error {
		ev, err := callback.Decode(e.App, e.Body)
		if err != nil {
			bad++
			return nil
		}
		if n == 0 {
			from = e.At
		}
		n++
		to = e.At
		cur = append(cur, item{ev: ev, at: e.At})
		if len(cur) == batch {
			return send()
		}
		return nil
	})
	if readErr == nil {
		readErr = send()
	}
	if readErr != nil {
		cancel() // the replays stop: their report would be of part of the period
	}
	for _, in := range inputs {
		close(in)
	}
	wg.Wait()
	close(results)
	diffErr := <-diffDone
	switch {
	case readErr != nil:
		return nil, readErr
	case diffErr != nil:
		return nil, diffErr
	case n == 0:
		return nil, ErrNothing
	}
	rep.Callbacks, rep.Skipped, rep.From, rep.To = n, bad, from.UTC(), to.UTC()
	return rep, nil
}

// ErrNothing says the period held no callback to replay.
var ErrNothing = errors.New("no callbacks to replay in that period")

// replaySide runs one replay over the batches, then its settle, sending
// what each batch paged. It stops at its first error.
func replaySide(ctx context.Context, side int, r *replayer, in <-chan []item, settle time.Duration, out chan<- result) {
	var failed bool
	for b := range in {
		if failed {
			continue // drain, so the reader never waits on a replay that stopped
		}
		var pages []page
		var err error
		for _, it := range b {
			if pages, err = r.handle(ctx, it.ev, it.at, pages); err != nil {
				err = fmt.Errorf("replay at %s: %w", it.at.UTC().Format(time.RFC3339), err)
				break
			}
		}
		failed = err != nil
		out <- result{side: side, pages: pages, progress: r.now, err: err}
	}
	if failed || r.now.IsZero() {
		return
	}
	end := r.now.Add(settle)
	pages, err := r.finish(ctx, end)
	out <- result{side: side, pages: pages, progress: end, err: err}
}

// TuneGC sets the process's garbage collector for a replay, which
// allocates much and keeps little: collections four times rarer than Go's
// default, within a soft limit of 512 MiB, so that the heap stays a few
// hundred MB however long the replay. It returns what undoes it.
func TuneGC() (restore func()) {
	percent := debug.SetGCPercent(400)
	limit := debug.SetMemoryLimit(512 << 20)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
