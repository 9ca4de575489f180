package state

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// warmWaits remembers, per replica, the thresholds whose wait for recovery
// it last saw running (the fire script's verdicts end in ":w"), so that it
// sends their next ops slim: only what the wait's hot path reads (keys,
// member, times, detail), without the notification, receivers and labels
// it reads only when it opens a wait. In a storm nearly every exit finds
// its room's and its app's waits running; slim, a storm callback spares Go
// encoding two pages nobody sends, and hands Redis 1.8 KB instead of 4.3.
//
// A warm entry is a guess, never trusted for what Redis decides: a slim op
// that finds no wait running (its tick, on any replica, found too few
// still away) writes nothing and answers "retry", and Fire sends that
// alert again whole, in a round trip of its own. Entries last warmFor
// after the verdict that set them, so that a replica guesses wrong about
// once per wait and key, at most.
type warmWaits struct {
	// until maps a pending key to the Unix ms it is taken to run until
	// (*atomic.Int64): every callback of a storm reads it, so reads take no
	// lock, and a verdict that only extends an entry writes no map.
	until sync.Map
	n     atomic.Int64 // entries in until
}

const (
	// warmFor is how long a verdict saying a wait runs is believed.
	warmFor = time.Second
	// maxWarm bounds the entries: past it, the expired go, and if that is
	// not enough, all of them (they are only a guess).
	maxWarm = 4096
	// verdictRetry is the fire script's verdict on a slim op that found no
	// wait running; verdictWarm ends the verdicts of ops that found one.
	verdictRetry = "retry"
	verdictWarm  = ":w"
)

func newWarmWaits() *warmWaits { return &warmWaits{} }

// warm reports whether the wait of pending key k is taken to run at now
// (never, for a nil w).
func (w *warmWaits) warm(k string, now int64) bool {
	if w == nil {
		return false
	}
	u, ok := w.until.Load(k)
	return ok && u.(*atomic.Int64).Load() > now
}

// learn records what the fire script said of an op of pending key k.
func (w *warmWaits) learn(k, raw string, now int64) {
	if w == nil || k == "" {
		return
	}
	if !strings.HasSuffix(raw, verdictWarm) {
		if _, ok := w.until.LoadAndDelete(k); ok {
			w.n.Add(-1)
		}
		return
	}
	until := now + warmFor.Milliseconds()
	if u, ok := w.until.Load(k); ok {
		u.(*atomic.Int64).Store(until)
		return
	}
	if w.n.Load() >= maxWarm {
		w.evict(now)
	}
	v := new(atomic.Int64)
	v.Store(until)
	if _, loaded := w.until.LoadOrStore(k, v); !loaded {
		w.n.Add(1)
	}
}

// evict drops the expired entries, and all of them if none had.
func (w *warmWaits) evict(now int64) {
	dropped := false
	w.until.Range(func(k, u any) bool {
		if u.(*atomic.Int64).Load() <= now {
			if _, ok := w.until.LoadAndDelete(k); ok {
				w.n.Add(-1)
				dropped = true
			}
		}
		return true
	})
	if dropped {
		return
	}
	w.until.Range(func(k, _ any) bool {
		if _, ok := w.until.LoadAndDelete(k); ok {
			w.n.Add(-1)
		}
		return true
	})
}

// slimmable reports whether a's op may go slim: a threshold that waits for
// recovery, without a group (a grouped one updates its group, which reads
// the notification, even while its wait runs).
func slimmable(a *alert.Alert) bool {
	return a.Op == alert.OpThreshold && a.For > 0 && a.Group == nil
}
