package state

import (
	"strings"
	"sync"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// warmWaits remembers, per replica, the thresholds whose wait for recovery
// it last saw running (the fire script's verdicts end in ":w"), so that it
// sends their next ops slim: only what the wait's hot path reads (keys,
// member, times, detail), without the notification, receivers and labels
// it reads only when it opens a wait. In a storm nearly every exit finds
// its room's and its app's waits running; a slim op spares Go encoding a
// page nobody sends and Redis parsing it, about half of what the storm
// costs each.
//
// A warm entry is a guess, never trusted for what Redis decides: a slim op
// that finds no wait running (it ended, or another replica's clear or tick
// ended it) writes nothing and answers "retry", and Fire sends that alert
// again whole, in a round trip of its own. Entries last warmFor after the
// verdict that set them, so that a replica guesses wrong about once per
// wait and key, at most.
type warmWaits struct {
	mu    sync.Mutex
	until map[string]int64 // pending key -> Unix ms it is taken to run until
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

func newWarmWaits() *warmWaits { return &warmWaits{until: make(map[string]int64)} }

// warm reports whether the wait of pending key k is taken to run at now
// (never, for a nil w).
func (w *warmWaits) warm(k string, now int64) bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	u, ok := w.until[k]
	w.mu.Unlock()
	return ok && u > now
}

// learn records what the fire script said of an op of pending key k.
func (w *warmWaits) learn(k, raw string, now int64) {
	if w == nil || k == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !strings.HasSuffix(raw, verdictWarm) {
		delete(w.until, k)
		return
	}
	if len(w.until) >= maxWarm {
		for key, u := range w.until {
			if u <= now {
				delete(w.until, key)
			}
		}
		if len(w.until) >= maxWarm {
			clear(w.until)
		}
	}
	w.until[k] = now + warmFor.Milliseconds()
}

// slimmable reports whether a's op may go slim: a threshold that waits for
// recovery, without a group (a grouped one updates its group, which reads
// the notification, even while its wait runs).
func slimmable(a *alert.Alert) bool {
	return a.Op == alert.OpThreshold && a.For > 0 && a.Group == nil
}
