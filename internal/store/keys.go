package store

// Keyspace builds every Redis key hook uses: this is the one place key names
// are made. Scripts never derive a key; they are handed each one in KEYS.
//
// Every key starts with the hash tag "{prefix}", so that all of them share
// one Redis Cluster slot and any script may touch any of them.
type Keyspace struct {
	prefix string
}

// NewKeyspace returns the keys under prefix (e.g. "hook").
func NewKeyspace(prefix string) Keyspace { return Keyspace{prefix: prefix} }

func (k Keyspace) key(parts ...string) string {
	s := "{" + k.prefix + "}"
	for _, p := range parts {
		s += ":" + p
	}
	return s
}

// Outbox is the stream of notifications waiting for delivery.
func (k Keyspace) Outbox() string { return k.key("outbox") }

// DeadLetters is the stream of notifications that could not be delivered.
func (k Keyspace) DeadLetters() string { return k.key("deadletter") }

// Digests indexes the flood digests by start time (notify/flood.go).
func (k Keyspace) Digests() string { return k.key("digests") }

// Digest is one flood digest's record and the list of pages absorbed into it.
func (k Keyspace) Digest(id string) (meta, pages string) {
	d := k.key("digest", id)
	return d, d + ":pages"
}

// Due is the sorted set of timers (pending alerts, group flushes) by due time.
func (k Keyspace) Due() string { return k.key("due") }

// Silences are the silences by id, their end times, and their muted counts.
func (k Keyspace) Silences() (byID, ends, muted string) {
	return k.key("silences"), k.key("silences", "ends"), k.key("silences", "muted")
}

// Dedup is the claim of an alert's dedup key.
func (k Keyspace) Dedup(dedupKey string) string { return k.key("dedup", dedupKey) }

// Window is a threshold rule's sliding window for one state key.
func (k Keyspace) Window(rule, stateKey string) string { return k.key("win", rule, stateKey) }

// Pending is a for: alert waiting for its clearing event.
func (k Keyspace) Pending(rule, stateKey string) string { return k.key("pend", rule, stateKey) }

// Cleared remembers the newest clearing event of a pending alert.
func (k Keyspace) Cleared(rule, stateKey string) string { return k.key("clr", rule, stateKey) }

// Group is a group's state, its members since the last flush, and all its members.
func (k Keyspace) Group(id string) (meta, fresh, all string) {
	g := k.key("grp", id)
	return g, g + ":new", g + ":all"
}

// Inhibit is the "source is firing" marker of an inhibit rule's group.
func (k Keyspace) Inhibit(marker string) string { return k.key("inh", marker) }

// Thread is the Slack thread of an incident.
func (k Keyspace) Thread(incident string) string { return k.key("thread", incident) }

// Ack is an incident's acknowledgement.
func (k Keyspace) Ack(incident string) string { return k.key("ack", incident) }

// Seen is a replay guard's record of a request.
func (k Keyspace) Seen(id string) string { return k.key("seen", id) }

// Room is what hook saw of a room's life (created, dismissed), kept for
// call-quality enrichment.
func (k Keyspace) Room(app, room string) string { return k.key("room", app, room) }
