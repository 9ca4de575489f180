package keyspace

import (
	"fmt"
	"strconv"
)

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
	l := Layout{global: New(prefix)}
	if n == 1 {
		l.parts = []Keyspace{l.global}
		return l, nil
	}
	for i := range n {
		lo, hi := i*clusterSlots/n, (i+1)*clusterSlots/n
		lo, hi = lo+(hi-lo)/4, hi-(hi-lo)/4
		name := fmt.Sprintf("%s:%s", prefix, PartitionName(i))
		tag := name
		for s := 1; ; s++ {
			if slot := int(crc16(tag) % clusterSlots); slot >= lo && slot < hi {
				break
			}
			tag = name + "." + strconv.Itoa(s)
		}
		l.parts = append(l.parts, Tagged("{"+tag+"}"))
	}
	return l, nil
}

// PartitionName names partition i in keys and outbox ids: p00, p01, ...
func PartitionName(i int) string { return fmt.Sprintf("p%02d", i) }

// Global is the keyspace of what is not about one room, under "{prefix}":
// Slack threads, acknowledgements, the replay guard. With more than one
// partition it is also where hook before partitioning kept everything (its
// outbox, timers, dead letters and silences), drained after an upgrade.
func (l Layout) Global() Keyspace { return l.global }

// Partitions is how many partitions there are.
func (l Layout) Partitions() int { return len(l.parts) }

// Partition is partition i's keyspace.
func (l Layout) Partition(i int) Keyspace { return l.parts[i] }

// Part is one keyspace holding an outbox stream with its timers, dead
// letters and silences: a partition, or, once there are several
// partitions, the single-slot layout of hook before partitioning (Drained),
// which is drained (read, ticked, listed) but never fired into.
type Part struct {
	// Name prefixes the outbox and dead-letter ids of this part ("p07:<id>");
	// the single-slot layout has none, and its ids are bare stream ids, as
	// they always were.
	Name    string
	Keys    Keyspace
	Drained bool
}

// Parts lists every partition of l and, when there are several, the
// single-slot layout (its keys are l.Global()), drained.
//
// Legacy: removed in the next release (no release is tagged yet; grep
// "Legacy:" when tagging one). The drained part is the upgrade path from
// hook before partitioning.
func (l Layout) Parts() []Part {
	if l.Partitions() == 1 {
		return []Part{{Keys: l.Partition(0)}}
	}
	parts := make([]Part, 0, l.Partitions()+1)
	for i := range l.Partitions() {
		parts = append(parts, Part{Name: PartitionName(i), Keys: l.Partition(i)})
	}
	return append(parts, Part{Keys: l.Global(), Drained: true})
}

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
