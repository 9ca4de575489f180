package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/enrich"
	"github.com/hookdev/hook/internal/store"
)

// newEnricher turns call-quality enrichment on when Tencent Cloud API
// credentials are set (TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY);
// nil means off: pages go out without "what the client saw".
func newEnricher(getenv env, cat *catalog.Catalog, st *store.Redis, reg prometheus.Registerer, log *slog.Logger) (*pageEnricher, error) {
	// Registered either way: the dashboard and alerts see enrichment idle
	// rather than missing.
	metrics := enrich.NewMetrics(reg)
	cfg, ok := enrich.ConfigFromEnv(getenv)
	if !ok {
		log.Info("call-quality enrichment off: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to add what the client saw to pages")
		return nil, nil
	}
	client, err := enrich.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("call-quality enrichment: %w", err)
	}
	rooms := roomCreations{st}
	e := enrich.New(client, cat, rooms, enrich.Options{Metrics: metrics}, log, time.Now)
	log.Info("call-quality enrichment on", "api", cfg.String())
	return &pageEnricher{e: e, rooms: rooms}, nil
}

// roomCreations reads the rooms the engine recorded (callbacks 101, 102).
type roomCreations struct{ st *store.Redis }

func (r roomCreations) RoomCreated(ctx context.Context, app, room string) (time.Time, bool, error) {
	created, _, ok, err := r.st.Room(ctx, app, room)
	return created, ok && !created.IsZero(), err
}

// pageEnricher implements notify.Enricher with internal/enrich: it picks
// what a page is about (a user who dropped out, or a room) and turns the
// answer into the notification's typed fields, which notify renders.
type pageEnricher struct {
	e     *enrich.Enricher
	rooms roomCreations
}

// enrichedGroups are the callback groups whose pages are about what users
// experienced; recording, relay and ingest pages are about TRTC's own tasks.
var enrichedGroups = map[string]bool{"room": true, "media": true}

func (p *pageEnricher) Enrich(ctx context.Context, n alert.Notification) (*alert.Enrichment, error) {
	group, _ := n.Event.Code("group")
	if n.Kind != alert.KindFiring || !enrichedGroups[group.Name] || n.Event.App == "" || n.Event.Room == "" {
		return nil, nil
	}
	s := enrich.Subject{Kind: enrich.KindRoom, App: n.Event.App, Room: n.Event.Room, User: n.Event.User, EventTime: n.Event.Time}
	if n.Event.User != "" && !n.Aggregate {
		s.Kind = enrich.KindUser
	}
	if s.EventTime.IsZero() {
		s.EventTime = n.CreatedAt
	}
	if created, dismissed, ok, err := p.rooms.st.Room(ctx, s.App, s.Room); err == nil && ok {
		s.RoomCreated, s.RoomDismissed = created, dismissed
	}
	res, err := p.e.Enrich(ctx, s)
	if err != nil || res.Empty() {
		return nil, err
	}
	return convertEnrichment(res), nil
}

func convertEnrichment(r enrich.Enrichment) *alert.Enrichment {
	out := &alert.Enrichment{EventsOmitted: r.EventsOmitted, ExperiencesOmitted: r.ExperiencesOmitted, DismissalPending: r.DismissalPending}
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
	return out
}
