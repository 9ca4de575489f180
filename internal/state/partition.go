package state

import (
	"fmt"
	"strings"

	"github.com/hookdev/hook/internal/alert"
)

// part is one outbox stream with its timers, dead letters and silences: a
// partition, or, once there are several partitions, the single-slot layout
// of hook before partitioning, which is drained (read, ticked, listed) but
// never fired into.
type part struct {
	// name prefixes the outbox and dead-letter ids of this part ("p07:<id>"),
	// so Ack, DeadLetter, retry and drop find the stream; the single-slot
	// layout has none, and its ids are bare stream ids, as they always were.
	name   string
	keys   Keyspace
	legacy bool
}

// newParts lists the streams a store reads: every partition of l and, when
// there are several, the single-slot layout (its keys are l.Global()).
func newParts(l Layout) []part {
	if l.Partitions() == 1 {
		return []part{{keys: l.Partition(0)}}
	}
	parts := make([]part, 0, l.Partitions()+1)
	for i := range l.Partitions() {
		parts = append(parts, part{name: partitionName(i), keys: l.Partition(i)})
	}
	return append(parts, part{keys: l.Global(), legacy: true})
}

// id is the outbox or dead-letter id of stream entry sid of part p.
func (p part) id(sid string) string {
	if p.name == "" {
		return sid
	}
	return p.name + ":" + sid
}

// locate splits an outbox or dead-letter id into its part and stream id;
// ok is false for an id that names no part of this store or no stream entry.
func (s *Redis) locate(id string) (p part, sid string, ok bool) {
	name, sid, prefixed := strings.Cut(id, ":")
	if !prefixed {
		name, sid = "", id
	}
	for _, p := range s.parts {
		if p.name == name {
			return p, sid, validStreamID(sid)
		}
	}
	return part{}, "", false
}

// partitionOf is the partition of the room the alerts of one callback are
// about (their notifications' event): the script that acts on them touches
// only that partition's keys, but for app-wide thresholds (appPart). Alerts
// about two rooms are a caller's bug.
func (s *Redis) partitionOf(alerts []alert.Alert) (*part, error) {
	ev := alerts[0].Notification.Event
	for _, a := range alerts[1:] {
		if e := a.Notification.Event; e.App != ev.App || e.Room != ev.Room {
			return nil, fmt.Errorf("fire: alerts of one call are about app %q room %q and app %q room %q; one call is one room",
				ev.App, ev.Room, e.App, e.Room)
		}
	}
	return &s.parts[s.layout.PartitionOf(ev.App, ev.Room)], nil
}

// appPart is the partition of an app-wide alert: its app's, the one room ""
// of the app would have, so that its key counts every room's events in one
// place, and an app-wide incident pages once.
func (s *Redis) appPart(a *alert.Alert) *part {
	return &s.parts[s.layout.PartitionOf(a.Notification.Event.App, "")]
}

// partitions are the parts alerts fire into: all but the drained single-slot layout.
func (s *Redis) partitions() []part { return s.parts[:s.layout.Partitions()] }
