package enrich

import (
	"cmp"
	"context"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// RoomRecords reads what hook saw of a room's life (rooms.Store implements it):
// its creation (101) and dismissal (102), by room key.
type RoomRecords interface {
	Room(ctx context.Context, app, roomKey string) (created, dismissed time.Time, ok bool, err error)
}

// RoomCreationsOf reads the rooms' creations in what the engine recorded
// (callbacks 101, 102).
func RoomCreationsOf(rooms RoomRecords) RoomCreations { return roomCreations{rooms} }

type roomCreations struct{ rooms RoomRecords }

func (r roomCreations) RoomCreated(ctx context.Context, app, roomKey string) (time.Time, bool, error) {
	created, _, ok, err := r.rooms.Room(ctx, app, roomKey)
	return created, ok && !created.IsZero(), err
}

// Pages implements notify.Enricher and notify.FollowUps with the Enricher:
// it picks what a page is about (a user who dropped out, or a
// room), turns the answer into the notification's typed fields, which notify
// renders, and times the page's follow-up.
type Pages struct {
	e     *Enricher
	rooms RoomRecords
}

// NewPages enriches pages with e, reading rooms' lives in rooms.
func NewPages(e *Enricher, rooms RoomRecords) *Pages { return &Pages{e: e, rooms: rooms} }

// enrichedGroups are the callback groups whose pages are about what users
// experienced; recording, relay and ingest pages are about TRTC's own tasks.
var enrichedGroups = map[string]bool{"room": true, "media": true}

// subject is what n is about, ok false when it is not enriched: only pages
// (and their follow-ups) of the room and media groups that name a room.
func subject(n alert.Notification) (Subject, bool) {
	group, _ := n.Event.Code("group")
	if (n.Kind != alert.KindFiring && n.Kind != alert.KindFollowUp) || !enrichedGroups[group.Name] || n.Event.App == "" || n.Event.Room == "" {
		return Subject{}, false
	}
	s := Subject{Kind: KindRoom, App: n.Event.App, Room: n.Event.Room, RoomKey: cmp.Or(n.Event.RoomKey, n.Event.Room),
		User: n.Event.User, EventTime: n.Event.Time, FollowUp: n.Kind == alert.KindFollowUp}
	if n.Event.User != "" && !n.Aggregate {
		s.Kind = KindUser
	}
	if s.EventTime.IsZero() {
		s.EventTime = n.CreatedAt
	}
	return s, true
}

// callDismissal is the room's dismissal if it ended the call the event was in:
// not before the call's creation, nor before the event (a dismissal recorded
// earlier was an earlier call's). Zero otherwise.
func callDismissal(created, dismissed, event time.Time) time.Time {
	if dismissed.IsZero() || dismissed.Before(created) || dismissed.Before(event.Add(-time.Minute)) {
		return time.Time{}
	}
	return dismissed
}

// Enrich implements notify.Enricher. What could not be had is in the
// enrichment's Missing, already logged and counted, so it never fails.
func (p *Pages) Enrich(ctx context.Context, n alert.Notification) (*alert.Enrichment, error) {
	s, ok := subject(n)
	if !ok {
		return nil, nil
	}
	if created, dismissed, ok, err := p.rooms.Room(ctx, s.App, s.RoomKey); err == nil && ok {
		s.RoomCreated = created
		s.RoomDismissed = !callDismissal(created, dismissed, s.EventTime).IsZero()
	}
	res, _ := p.e.Enrich(ctx, s)
	out := convertEnrichment(res)
	if out.Empty() {
		return nil, nil
	}
	return out, nil
}

// FollowUpAt implements notify.FollowUps: every enriched page gets one,
// due when enrich says TRTC's data has landed (for a room, after its
// dismissal, which the room's record tells).
func (p *Pages) FollowUpAt(ctx context.Context, n alert.Notification, now time.Time) (time.Time, bool) {
	s, ok := subject(n)
	if !ok {
		return time.Time{}, false
	}
	var dismissed time.Time
	if s.Kind == KindRoom {
		if created, d, ok, err := p.rooms.Room(ctx, s.App, s.RoomKey); err == nil && ok {
			dismissed = callDismissal(created, d, s.EventTime)
		}
	}
	return p.e.FollowUpAt(s.Kind, s.EventTime, dismissed, now), true
}

func convertEnrichment(r Enrichment) *alert.Enrichment {
	out := &alert.Enrichment{EventsOmitted: r.EventsOmitted, ExperiencesOmitted: r.ExperiencesOmitted, DismissalPending: r.DismissalPending,
		CommID: r.CommID}
	for _, ev := range r.Events {
		peer := ev.PeerID
		if peer == r.User {
			peer = ""
		}
		// An id or parameter the catalogue has no row for keeps saying so
		// on the page: Name alone would read as documented.
		out.Events = append(out.Events, alert.ClientEvent{Time: ev.Time, Table: ev.Table, ID: ev.ID, Name: ev.Name,
			PeerID: peer, Severity: ev.Severity.String(),
			Undocumented: !ev.Known || ev.Fallback, Param1: ev.Param1, Param2: ev.Param2})
	}
	for _, x := range r.Experiences {
		e := alert.Experience{Time: x.Time, UserID: x.UserID, ID: x.ID, Name: x.Name, Count: x.Count}
		for _, c := range x.Causes {
			e.Causes = append(e.Causes, alert.Cause{ID: c.ID, Name: c.Name})
		}
		out.Experiences = append(out.Experiences, e)
	}
	if c := r.Client; !c.Empty() {
		out.Client = &alert.ClientInfo{Terminal: c.Terminal, UserType: c.UserType, SDKVersion: c.SDKVersion,
			Device: c.Device, OS: c.OS, Network: c.Network}
	}
	for _, m := range r.Missing {
		out.Missing = append(out.Missing, alert.Missing{Data: m.Data, Reason: m.Reason})
	}
	return out
}
