package state

import (
	"fmt"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// part is one keyspace alert state lives in, with its outbox, timers and
// silences (keyspace.Part): a partition, or, once there are several, the
// single-slot layout of hook before partitioning, whose timers are still
// ticked but which is never fired into.
type part struct {
	keys keyspace.Keyspace
	// fixed are the five keys every alert script starts with (fixedKeys);
	// boxed are the same, boxed once for go-redis (fireCommand), so that a
	// callback that pages does not build nor box them anew.
	fixed [5]string
	boxed []any
}

// newParts lists the parts of l (keyspace.Layout.Parts).
func newParts(l keyspace.Layout) []part {
	var parts []part
	for _, p := range l.Parts() {
		pt := part{keys: p.Keys, fixed: fixedKeys(p.Keys)}
		for _, k := range pt.fixed {
			pt.boxed = append(pt.boxed, k)
		}
		parts = append(parts, pt)
	}
	return parts
}

// due is the part's timers.
func (p *part) due() string { return p.fixed[1] }

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
