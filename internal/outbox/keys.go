package outbox

import "github.com/hookdev/hook/internal/keyspace"

// The outbox's keys in a part's keyspace. The fire script (internal/state)
// enqueues into Stream in the same step as it changes alert state, so it is
// handed this key too.

// Stream is the stream of notifications waiting for delivery.
func Stream(ks keyspace.Keyspace) string { return ks.Key("outbox") }

// DeadLetters is the stream of notifications that could not be delivered.
func DeadLetters(ks keyspace.Keyspace) string { return ks.Key("deadletter") }

// Digests indexes the flood digests by start time (notify/flood.go).
func Digests(ks keyspace.Keyspace) string { return ks.Key("digests") }

// Digest is one flood digest's record and the list of pages absorbed into it.
func Digest(ks keyspace.Keyspace, id string) (meta, pages string) {
	d := ks.Key("digest", id)
	return d, d + ":pages"
}

// Later holds notifications that enter the outbox at a time of their own
// (pages' follow-ups): a sorted set of encoded notifications by due time.
func Later(ks keyspace.Keyspace) string { return ks.Key("later") }
