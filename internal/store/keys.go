package store

import (
	"fmt"
	"strconv"
	"strings"
)

// Keyspace builds every Redis key hook uses under one hash tag: this is the
// one place key names are made. Scripts never derive a key; they are handed
// each one in KEYS.
//
// Every key of a Keyspace starts with its hash tag ("{hook}" or
// "{hook:p07}"), so that all of them share one Redis Cluster slot and a
// script may touch any of them.
type Keyspace struct {
	tag string
	// The keys every alert script is handed, built once: a callback that
	// pages would otherwise build them anew each time.
	outbox, due, silences, silenceEnds, silencesMuted string
	// boxed are the five, as the fire script's first KEYS, boxed once for
	// go-redis (fireCommand).
	boxed []any
}

// NewKeyspace returns the keys under the tag "{prefix}" (e.g. "{hook}"):
// the global keys (see Layout.Global).
func NewKeyspace(prefix string) Keyspace { return keyspaceTagged("{" + prefix + "}") }

func keyspaceTagged(tag string) Keyspace {
	k := Keyspace{tag: tag}
	k.outbox, k.due = k.key("outbox"), k.key("due")
	k.silences, k.silenceEnds, k.silencesMuted = k.key("silences"), k.key("silences", "ends"), k.key("silences", "muted")
	k.boxed = []any{k.outbox, k.due, k.silences, k.silenceEnds, k.silencesMuted}
	return k
}

// Tag is the hash tag every key of k starts with.
func (k Keyspace) Tag() string { return k.tag }

// key joins the tag and parts with ":", in one allocation.
func (k Keyspace) key(parts ...string) string {
	n := len(k.tag)
	for _, p := range parts {
		n += 1 + len(p)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(k.tag)
	for _, p := range parts {
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}

// Outbox is the stream of notifications waiting for delivery.
func (k Keyspace) Outbox() string { return k.outbox }

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
func (k Keyspace) Due() string { return k.due }

// Silences are the silences by id, their end times, and their muted counts.
func (k Keyspace) Silences() (byID, ends, muted string) {
	return k.silences, k.silenceEnds, k.silencesMuted
}

// Dedup is the claim of an alert's dedup key.
func (k Keyspace) Dedup(dedupKey string) string { return k.key("dedup", dedupKey) }

// Window is a threshold rule's sliding window for one state key.
func (k Keyspace) Window(rule, stateKey string) string { return k.key("win", rule, stateKey) }

// Distinct is a relative threshold's distinct members in its window, each
// at its latest event: its share counts people, not events.
func (k Keyspace) Distinct(rule, stateKey string) string { return k.key("winm", rule, stateKey) }

// Dropped is a hash beside the window of a threshold that waits for
// recovery: what Go said of the members counted (the usual detail once, a
// member's own only where it differs) and who came back, so a page can say
// how many dropped as well as how many are still away. (A hook from before
// kept a sorted set of every member under "drop"; the new name keeps the
// two apart while both run.)
func (k Keyspace) Dropped(rule, stateKey string) string { return k.key("drops", rule, stateKey) }

// Rearm is a threshold with rearm's episode state for one key: when it
// last counted, and when a rearm event came after.
func (k Keyspace) Rearm(rule, stateKey string) string { return k.key("rearm", rule, stateKey) }

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
// call-quality enrichment, by the room's key ("s:12345" for a string room).
func (k Keyspace) Room(app, roomKey string) string { return k.key("room", app, roomKey) }

// Later holds notifications that enter the outbox at a time of their own
// (pages' follow-ups): a sorted set of encoded notifications by due time.
func (k Keyspace) Later() string { return k.key("later") }

// Population is who is in a room now: a hash of user id to what their entry
// (103) said (internal/population owns its format). HLEN is the room's
// present users; the fire script reads it for thresholds relative to the
// room's population.
func (k Keyspace) Population(app, roomKey string) string { return k.key("pop", app, roomKey) }

// PopulationRooms is the partition's rooms with someone in them, by when
// they last changed (a sorted set of "app:roomKey"), so that rooms that end
// without a dismissal age out (internal/population).
func (k Keyspace) PopulationRooms() string { return k.key("poprooms") }

// PopulationApps is how many users each app has present in the partition's
// rooms (a hash of app -> count), kept exact by the same script that
// changes the rooms (internal/population).
func (k Keyspace) PopulationApps() string { return k.key("popapps") }

// PopulationGone is the partition's rooms dismissed lately (a sorted set of
// "app:roomKey" by dismissal time), so that an entry older than its room's
// dismissal, arriving late, adds nobody (internal/population).
func (k Keyspace) PopulationGone() string { return k.key("popgone") }

// PopulationLeft is the users who left the partition's rooms during one
// period (gen counts periods since the Unix epoch), what their entry said
// and when they left, kept for at least one more period (internal/population).
func (k Keyspace) PopulationLeft(gen int64) string {
	return k.key("popleft", strconv.FormatInt(gen, 10))
}

// Record is the partition's share of the record of accepted callbacks
// (internal/record owns its format): a stream of batches of callbacks,
// whose ids are arrival times, the number of callbacks in each of its
// entries (a list, oldest first), and how many it holds in all.
func (k Keyspace) Record() (stream, counts, total string) {
	r := k.key("record")
	return r, r + ":n", r + ":total"
}

// Layout says where each room's keys live: in one of a fixed number of
// partitions, each a Keyspace under its own hash tag, so that on Redis
// Cluster different rooms spread over every master while all the keys one
// callback's script touches stay in one slot.
//
// With one partition the layout is the single-slot one of hook before
// partitioning, key for key: everything under "{prefix}".
type Layout struct {
	global Keyspace
	parts  []Keyspace
}

// MaxPartitions bounds HOOK_PARTITIONS: every partition costs an outbox read
// per dispatcher poll and a timer read per tick.
const MaxPartitions = 1024

// clusterSlots is how many hash slots Redis Cluster has.
const clusterSlots = 16384

// NewLayout returns the layout of n partitions under prefix. Partition i's
// tag is "{prefix:pNN}", or "{prefix:pNN.S}" for the smallest S that puts its
// slot in the middle half of the i-th n-th of the slot range: masters
// holding even, contiguous slot ranges (as redis-cli --cluster create
// assigns them) then hold as even a share of the partitions as can be (16
// over 3 masters: 5, 6, 5).
func NewLayout(prefix string, n int) (Layout, error) {
	if n < 1 || n > MaxPartitions {
		return Layout{}, fmt.Errorf("partitions: %d is not between 1 and %d", n, MaxPartitions)
	}
	l := Layout{global: NewKeyspace(prefix)}
	if n == 1 {
		l.parts = []Keyspace{l.global}
		return l, nil
	}
	for i := range n {
		lo, hi := i*clusterSlots/n, (i+1)*clusterSlots/n
		lo, hi = lo+(hi-lo)/4, hi-(hi-lo)/4
		name := fmt.Sprintf("%s:%s", prefix, partitionName(i))
		tag := name
		for s := 1; ; s++ {
			if slot := int(crc16(tag) % clusterSlots); slot >= lo && slot < hi {
				break
			}
			tag = name + "." + strconv.Itoa(s)
		}
		l.parts = append(l.parts, keyspaceTagged("{"+tag+"}"))
	}
	return l, nil
}

// partitionName names partition i in keys and outbox ids: p00, p01, ...
func partitionName(i int) string { return fmt.Sprintf("p%02d", i) }

// Global is the keyspace of what is not about one room, under "{prefix}":
// Slack threads, acknowledgements, the replay guard. With more than one
// partition it is also where hook before partitioning kept everything (its
// outbox, timers, dead letters and silences), drained after an upgrade.
func (l Layout) Global() Keyspace { return l.global }

// Partitions is how many partitions there are.
func (l Layout) Partitions() int { return len(l.parts) }

// Partition is partition i's keyspace.
func (l Layout) Partition(i int) Keyspace { return l.parts[i] }

// PartitionOf is the partition of a room: every key of every alert about
// that room lives there. It hashes exactly what the default keys name (app
// and room): two events the rules key alike must land in one partition.
func (l Layout) PartitionOf(app, room string) int {
	h := fnv1a(fnvOffset, app)
	h = (h ^ 0) * fnvPrime // the separator byte
	h = fnv1a(h, room)
	return int(h % uint64(len(l.parts)))
}

// FNV-1a, 64 bits (as hash/fnv's New64a), over strings without copying them.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnv1a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// crc16 is Redis Cluster's key hash (CRC-16/XMODEM); a key's slot is
// crc16(tag) mod 16384.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
