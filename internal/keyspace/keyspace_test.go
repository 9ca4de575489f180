package keyspace

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	k := New("hook")
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{nil, "{hook}"},
		{[]string{"outbox"}, "{hook}:outbox"},
		{[]string{"win", "rule", "1400000001/42"}, "{hook}:win:rule:1400000001/42"},
	} {
		if got := k.Key(c.parts...); got != c.want {
			t.Errorf("Key(%q) = %q, want %q", c.parts, got, c.want)
		}
	}
	if got := Tagged("{hook:p07}").Key("due"); got != "{hook:p07}:due" {
		t.Errorf("tagged key %q", got)
	}
}

func TestLayout(t *testing.T) {
	one, err := NewLayout("hook", 1)
	if err != nil || one.Partition(0).Tag() != "{hook}" || one.Global().Tag() != "{hook}" {
		t.Fatalf("one partition is the single-slot layout: %+v, %v", one, err)
	}
	if parts := one.Parts(); len(parts) != 1 || parts[0].Name != "" || parts[0].Drained {
		t.Errorf("one partition has parts %+v, want the single-slot one", parts)
	}
	for _, n := range []int{0, -1, MaxPartitions + 1} {
		if _, err := NewLayout("hook", n); err == nil {
			t.Errorf("NewLayout accepted %d partitions", n)
		}
	}
	for _, n := range []int{2, 3, 16, 100} {
		l, err := NewLayout("hook", n)
		if err != nil {
			t.Fatal(err)
		}
		if parts := l.Parts(); len(parts) != n+1 || parts[0].Name != "p00" || !parts[n].Drained || parts[n].Keys != l.Global() {
			t.Errorf("%d partitions: parts %+v, want every partition then the drained single-slot layout", n, parts)
		}
		seen := map[string]bool{}
		for i := range n {
			tag := l.Partition(i).Tag()
			inner := strings.Trim(tag, "{}")
			slot := int(crc16(inner) % clusterSlots)
			if !strings.HasPrefix(tag, fmt.Sprintf("{hook:p%02d", i)) || seen[tag] || tag == l.Global().Tag() {
				t.Errorf("%d partitions: partition %d has tag %s", n, i, tag)
			}
			if lo, hi := i*clusterSlots/n, (i+1)*clusterSlots/n; slot < lo+(hi-lo)/4 || slot >= hi-(hi-lo)/4 {
				t.Errorf("%d partitions: partition %d (%s) is in slot %d, want [%d, %d)", n, i, tag, slot, lo, hi)
			}
			seen[tag] = true
		}
		// Rooms spread over every partition, and a room always lands in the same one.
		hits := make([]int, n)
		for r := range 100 * n {
			p := l.PartitionOf("1400000001", fmt.Sprint(r))
			if p != l.PartitionOf("1400000001", fmt.Sprint(r)) {
				t.Fatal("PartitionOf is not a function of app and room")
			}
			hits[p]++
		}
		if slices.Contains(hits, 0) {
			t.Errorf("%d partitions: some got no room of %d: %v", n, 100*n, hits)
		}
	}
}

// crc16 is the hash Redis Cluster uses: the slots are CLUSTER KEYSLOT's.
func TestCRC16IsRedisClusterKeySlot(t *testing.T) {
	for key, slot := range map[string]int{"123456789": 12739, "hook": 11666, "": 0} {
		if got := int(crc16(key) % clusterSlots); got != slot {
			t.Errorf("slot of %q = %d, want %d", key, got, slot)
		}
	}
}

// A room's partition is where its state already is: the hash must never
// change (it was hash/fnv's FNV-1a of app, a zero byte and room).
func TestPartitionOfIsStable(t *testing.T) {
	l, err := NewLayout("hook", 16)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ app, room string }{
		{"1400000001", "12345"}, {"1400000001", "s:12345"}, {"", ""}, {"1400000001", "房间-1"}, {"a", "\x00b"},
	} {
		h := fnv.New64a()
		h.Write([]byte(c.app))
		h.Write([]byte{0})
		h.Write([]byte(c.room))
		if got, want := l.PartitionOf(c.app, c.room), int(h.Sum64()%16); got != want {
			t.Errorf("PartitionOf(%q, %q) = %d, want %d", c.app, c.room, got, want)
		}
	}
}
