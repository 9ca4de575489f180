package state

import (
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/silence"
)

// The keys of alert state, in a part's keyspace. Scripts never derive a
// key: Go builds each one here (or asks its owner: the outbox, the
// silences, the population) and hands it over in KEYS.

// dueKey is the sorted set of timers (pending alerts, group flushes) by due time.
func dueKey(ks keyspace.Keyspace) string { return ks.Key("due") }

// dedupKey is the claim of an alert's dedup key.
func dedupKey(ks keyspace.Keyspace, dedup string) string { return ks.Key("dedup", dedup) }

// windowKey is a threshold rule's sliding window for one state key.
func windowKey(ks keyspace.Keyspace, rule, stateKey string) string {
	return ks.Key("win", rule, stateKey)
}

// distinctKey is a relative threshold's distinct members in its window,
// each at its latest event: its share counts people, not events.
func distinctKey(ks keyspace.Keyspace, rule, stateKey string) string {
	return ks.Key("winm", rule, stateKey)
}

// droppedKey is a hash beside the window of a threshold that waits for
// recovery: what Go said of the members counted (the usual detail once, a
// member's own only where it differs) and who came back, so a page can say
// how many dropped as well as how many are still away. (A hook from before
// kept a sorted set of every member under "drop"; the new name keeps the
// two apart while both run.)
func droppedKey(ks keyspace.Keyspace, rule, stateKey string) string {
	return ks.Key("drops", rule, stateKey)
}

// rearmKey is a threshold with rearm's episode state for one key: when it
// last counted, and when a rearm event came after.
func rearmKey(ks keyspace.Keyspace, rule, stateKey string) string {
	return ks.Key("rearm", rule, stateKey)
}

// pendingKey is a for: alert waiting for its clearing event.
func pendingKey(ks keyspace.Keyspace, rule, stateKey string) string {
	return ks.Key("pend", rule, stateKey)
}

// clearedKey remembers the newest clearing event of a pending alert.
func clearedKey(ks keyspace.Keyspace, rule, stateKey string) string {
	return ks.Key("clr", rule, stateKey)
}

// groupKeys are a group's state, its members since the last flush, and all
// its members.
func groupKeys(ks keyspace.Keyspace, id string) (meta, fresh, all string) {
	g := ks.Key("grp", id)
	return g, g + ":new", g + ":all"
}

// inhibitKey is the "source is firing" marker of an inhibit rule's group.
func inhibitKey(ks keyspace.Keyspace, marker string) string { return ks.Key("inh", marker) }

// populationKey is who is in a room now (population owns it); the fire
// script reads its HLEN for thresholds relative to the room's population.
func populationKey(ks keyspace.Keyspace, app, roomKey string) string {
	return population.Key(ks, app, roomKey)
}

// fixedKeys are the five keys every alert script may touch first, KEYS[1..5]
// (lua/lib.lua): the part's outbox, timers and silences.
func fixedKeys(ks keyspace.Keyspace) [5]string {
	byID, ends, muted := silence.Keys(ks)
	return [5]string{outbox.Stream(ks), dueKey(ks), byID, ends, muted}
}
