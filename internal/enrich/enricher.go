// Package enrich adds "what the client saw" to pages: when a page is about a user
// (dropped out, failed to enter) or a room (dismissed with errors), it asks TRTC's
// call-quality APIs (Tencent Cloud API 3.0, service trtc, version 2019-07-22) for the
// user's SDK and WebRTC events (DescribeUserEvent) or the room's abnormal experiences
// (DescribeUnusualEvent), and decodes every id and parameter through the catalogue.
//
// The call is found with DescribeRoomInfo (its CommId), for numeric and string
// rooms alike; a user's page also says what their room entry (callback 103)
// reported of their client (Members). Minutes later, once TRTC's data has
// landed, the page's follow-up asks again and adds the user's call details
// (DescribeCallDetailInfo: SDK version, device, network); FollowUpAt says when.
//
// Enrichment is best effort and bounded: a time budget per page, a rate limiter per
// action at TRTC's documented limit, a small TTL cache, capped item counts and
// bounded strings. It is never silent: whatever could not be had is listed in
// Enrichment.Missing (what, and why: TRTC's error code, "timeout",
// "unreachable", "no data"), logged at warn (a few lines a minute per kind at
// most) and counted; the page goes out with what there is.
//
// The API is trtcapi's; enrich declares what it asks of it (API). Pages is
// what the dispatcher holds: it picks what a page is about and turns the
// answer into the page's fields.
package enrich

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/trtcapi"
)

// API is the part of TRTC's API the Enricher uses; *Client implements it.
type API interface {
	DescribeUserEvent(ctx context.Context, q trtcapi.UserEventQuery) ([]trtcapi.PeerEvents, error)
	DescribeUnusualEvent(ctx context.Context, q trtcapi.UnusualEventQuery) ([]trtcapi.AbnormalExperience, error)
	DescribeRoomInfo(ctx context.Context, q trtcapi.RoomInfoQuery) ([]trtcapi.RoomState, int, error)
	DescribeCallDetailInfo(ctx context.Context, q trtcapi.CallDetailQuery) (trtcapi.CallDetail, error)
}

// RoomCreations answers when a room was created, from the callbacks 101 hook kept
// (with a TTL), by room key ("s:" and the id for a string room). ok is false when
// hook did not see it. Either way the Enricher asks DescribeRoomInfo for the call;
// a known creation picks the call exactly. An error is logged and treated as not seen.
type RoomCreations interface {
	RoomCreated(ctx context.Context, app, roomKey string) (created time.Time, ok bool, err error)
}

// Members answers what a user's room entry (callback 103) said, kept while they
// are in the room and for a while after they left (internal/population keeps
// it). ok is false when it is not known.
type Members interface {
	Member(ctx context.Context, app, roomKey, user string) (m Member, ok bool, err error)
}

// Member is what a user's room entry said. Its fields are internal/population's,
// in the same order, so one converts to the other.
type Member struct {
	User                     string
	Role, Terminal, UserType int
	Entered, Left            time.Time
}

// MembersFunc is a function that answers as Members.
type MembersFunc func(ctx context.Context, app, roomKey, user string) (Member, bool, error)

// Member implements Members.
func (f MembersFunc) Member(ctx context.Context, app, roomKey, user string) (Member, bool, error) {
	return f(ctx, app, roomKey, user)
}

// Options tune the Enricher. Zero values take the defaults named.
type Options struct {
	// Budget bounds one Enrich call, API requests and waits for the limiter
	// included. Default 3s.
	Budget time.Duration
	// Rate and Burst configure one limiter per action. Default: TRTC's documented
	// 20 requests per second per action, burst 5. The limit is per process: replicas
	// share TRTC's quota, so divide Rate by their number.
	Rate  rate.Limit
	Burst int
	// Cooldown is how long every request is held back after TRTC answered
	// RequestLimitExceeded. Default 1s.
	Cooldown time.Duration
	// CacheTTL and CacheEntries bound the cache of answers (keyed by subject and
	// minute of the event) and of room creations found by DescribeRoomInfo.
	// Defaults 2m and 512; a negative TTL disables caching. Empty answers are not
	// cached: TRTC's data arrives minutes late, and asking again may find it.
	CacheTTL     time.Duration
	CacheEntries int
	// MaxItems caps the events and the experiences kept per page, MaxCauses the
	// causes kept per experience. Defaults 10 and 5.
	MaxItems  int
	MaxCauses int
	// Before and After frame the window around the event time: a user's events
	// from Before to After (defaults 10m, 1m); a room's experiences from up to an
	// hour (the API's limit) before to After after.
	Before, After time.Duration
	// Metrics counts enrichments; nil gets a private registry nobody scrapes.
	Metrics *Metrics
	// Members, when set, tells user pages what the user's room entry said of
	// their client (terminal, user type). nil: not asked, nothing missing.
	Members Members
	// FollowUpDelay is how long after a user's drop, or after a room's
	// dismissal (callback 102), its page's follow-up is due: TRTC's data lands
	// minutes late (real-time events up to five). Default 5m.
	FollowUpDelay time.Duration
	// FollowUpWait is how long after a room's page its follow-up waits for the
	// room's dismissal, which makes the room-dismissal causes available; past
	// it the follow-up goes out anyway. Default 30m.
	FollowUpWait time.Duration
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Budget, 3*time.Second)
	def(&o.Cooldown, time.Second)
	def(&o.CacheTTL, 2*time.Minute)
	def(&o.Before, 10*time.Minute)
	def(&o.After, time.Minute)
	def(&o.FollowUpDelay, 5*time.Minute)
	def(&o.FollowUpWait, 30*time.Minute)
	if o.Rate == 0 {
		o.Rate = trtcapi.DocumentedRate
	}
	if o.Burst <= 0 {
		o.Burst = 5
	}
	if o.CacheEntries <= 0 {
		o.CacheEntries = 512
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 10
	}
	if o.MaxCauses <= 0 {
		o.MaxCauses = 5
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	return o
}

// Enricher answers Enrich for pages. Safe for concurrent use.
type Enricher struct {
	api      API
	rooms    RoomCreations
	decode   decoder
	opts     Options
	log      *slog.Logger
	now      func() time.Time
	limiters map[string]*rate.Limiter
	answers  *ttlCache[Enrichment]
	created  *ttlCache[trtcapi.RoomState]
	gaps     *gapLog

	mu           sync.Mutex
	limitedUntil time.Time
}

// New builds an Enricher. rooms may be nil (every room's creation is then looked
// up with DescribeRoomInfo); log nil discards; now is the clock.
func New(api API, cat *catalog.Catalog, rooms RoomCreations, opts Options, log *slog.Logger, now func() time.Time) *Enricher {
	opts = opts.withDefaults()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	limiters := map[string]*rate.Limiter{}
	for _, a := range trtcapi.Actions() {
		limiters[a] = rate.NewLimiter(opts.Rate, opts.Burst)
	}
	return &Enricher{
		api: api, rooms: rooms, opts: opts, log: log, now: now, limiters: limiters,
		decode:  decoder{cat: cat, maxItems: opts.MaxItems, maxCauses: opts.MaxCauses},
		answers: newTTLCache[Enrichment](opts.CacheEntries, opts.CacheTTL, now),
		created: newTTLCache[trtcapi.RoomState](opts.CacheEntries, opts.CacheTTL, now),
		gaps:    newGapLog(log, opts.Metrics, now),
	}
}

// maxSubjectChars bounds the ids a Subject may carry: TRTC's own limits are far
// lower (user ids 32 bytes, string rooms 64).
const maxSubjectChars = 256

// Enrich asks TRTC what the client saw around s.EventTime, within the time budget.
//
// Errors are *Error, about the call-quality data (the events or experiences):
// errors.Is(err, ErrAuth), ErrRateLimited, ErrTimeout (which also wraps
// context.DeadlineExceeded when the budget ran out), ErrSkipped, ErrInvalid. TRTC
// having no data (ResourceNotFound) is not an error: the Enrichment is empty.
// Either way the Enrichment holds what could be had (the CommId, the client) and
// lists in Missing what could not, each already logged and counted.
func (e *Enricher) Enrich(ctx context.Context, s Subject) (Enrichment, error) {
	start := e.now()
	res, gaps, err := e.enrich(ctx, s)
	e.opts.Metrics.enrichment(outcomeOf(res, err), e.now().Sub(start).Seconds())
	for _, g := range gaps {
		e.gaps.note(ctx, s, g)
	}
	return res, err
}

func outcomeOf(res Enrichment, err error) string {
	if err == nil {
		if res.Empty() {
			return OutcomeEmpty
		}
		return OutcomeOK
	}
	ee, ok := trtcapi.AsError(err)
	if !ok {
		return OutcomeError
	}
	switch ee.Class {
	case trtcapi.ClassTimeout:
		return OutcomeTimeout
	case trtcapi.ClassRateLimited:
		return OutcomeRateLimited
	case trtcapi.ClassSkipped:
		return OutcomeSkipped
	}
	return OutcomeError
}

func (e *Enricher) enrich(ctx context.Context, s Subject) (Enrichment, gapList, error) {
	var gaps gapList
	app, err := checkSubject(s)
	if err != nil {
		gaps.add(DataCallQuality, err)
		return Enrichment{Missing: gaps.missing()}, gaps, err
	}
	now := e.now()
	if now.Sub(s.EventTime) > trtcapi.Retention {
		err := &trtcapi.Error{Class: trtcapi.ClassSkipped, Err: fmt.Errorf("event at %s is older than TRTC keeps data (%s)", s.EventTime.UTC(), trtcapi.Retention)}
		gaps.add(DataCallQuality, err)
		return Enrichment{Missing: gaps.missing()}, gaps, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Budget)
	defer cancel()

	var client ClientInfo
	if s.Kind == KindUser {
		e.entry(ctx, s, &client, &gaps)
	}
	res, err := e.callQuality(ctx, app, s, now, &gaps)
	if s.FollowUp && s.Kind == KindUser && res.CommID != "" {
		e.callDetail(ctx, app, s, res, &client, &gaps)
	}
	if !client.Empty() {
		res.Client = &client
	}
	res.Missing = gaps.missing()
	return res, gaps, err
}

// callQuality is the user's events or the room's experiences, from the cache
// or from TRTC. Only answers with items are cached, without Client or Missing.
func (e *Enricher) callQuality(ctx context.Context, app uint64, s Subject, now time.Time, gaps *gapList) (Enrichment, error) {
	key := answerKey(s)
	if res, ok := e.answers.get(key); ok {
		res = res.clone()
		res.Cached = true
		return res, nil
	}
	var res Enrichment
	var err error
	switch s.Kind {
	case KindUser:
		res, err = e.enrichUser(ctx, app, s, now)
	default:
		res, err = e.enrichRoom(ctx, app, s, now, gaps)
	}
	if ee, ok := trtcapi.AsError(err); ok && ee.Class == trtcapi.ClassNotFound {
		res.Events, res.Experiences, err = nil, nil, nil
	}
	if err != nil {
		res.Events, res.Experiences = nil, nil
		gaps.add(DataCallQuality, err)
		return res, err
	}
	// TRTC's data arrives late (real-time events up to five minutes), so "nothing
	// yet" is not kept: the follow-up asks again and may find data.
	if res.Empty() {
		gaps.add(DataCallQuality, nil)
		return res, nil
	}
	e.answers.put(key, res.clone())
	return res, nil
}

func checkSubject(s Subject) (uint64, error) {
	bad := func(format string, args ...any) (uint64, error) {
		return 0, &trtcapi.Error{Class: trtcapi.ClassInvalid, Err: fmt.Errorf("subject: "+format, args...)}
	}
	app, err := strconv.ParseUint(s.App, 10, 64)
	switch {
	case s.Kind != KindUser && s.Kind != KindRoom:
		return bad("kind %q is neither %q nor %q", s.Kind, KindUser, KindRoom)
	case err != nil || app == 0:
		return bad("app %q is not a decimal SdkAppId", trtcapi.Bound(s.App, 32))
	case s.Room == "":
		return bad("no room")
	case s.Kind == KindUser && s.User == "":
		return bad("a user subject needs a user")
	case len(s.Room) > maxSubjectChars || len(s.User) > maxSubjectChars:
		return bad("room or user longer than %d bytes", maxSubjectChars)
	case s.EventTime.IsZero():
		return bad("no event time")
	}
	return app, nil
}

// answerKey names a subject and the minute of its event: pages about the same
// thing within a minute share one answer. Whether the room was dismissed is part
// of it, since dismissal makes more data available, and so is a follow-up, which
// exists to ask again.
func answerKey(s Subject) string {
	return string(s.Kind) + "\x00" + s.App + "\x00" + s.roomKey() + "\x00" + s.User + "\x00" +
		strconv.FormatBool(s.RoomDismissed) + "\x00" + strconv.FormatBool(s.FollowUp) + "\x00" +
		strconv.FormatInt(s.EventTime.Truncate(time.Minute).Unix(), 10)
}

func (e *Enricher) enrichUser(ctx context.Context, app uint64, s Subject, now time.Time) (Enrichment, error) {
	room, err := e.roomState(ctx, app, s, now)
	if err != nil {
		return Enrichment{Kind: KindUser, User: trtcapi.Bound(s.User, maxClientChars)}, err
	}
	start := s.EventTime.Add(-e.opts.Before)
	if room.CreateTime.After(start) {
		start = room.CreateTime
	}
	end := clampEnd(s.EventTime.Add(e.opts.After), start, now)
	res := Enrichment{Kind: KindUser, User: trtcapi.Bound(s.User, maxClientChars), CommID: trtcapi.Bound(room.CommID, maxClientChars), Start: start, End: end}
	q := trtcapi.UserEventQuery{CommID: room.CommID, SdkAppID: app, RoomID: s.Room, UserID: s.User, Start: start, End: end}
	var peers []trtcapi.PeerEvents
	err = e.request(ctx, trtcapi.ActionDescribeUserEvent, func(ctx context.Context) (err error) {
		peers, err = e.api.DescribeUserEvent(ctx, q)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Events, res.EventsOmitted = e.decode.events(peers, s.EventTime)
	return res, nil
}

func (e *Enricher) enrichRoom(ctx context.Context, app uint64, s Subject, now time.Time, gaps *gapList) (Enrichment, error) {
	created := e.creation(ctx, s)
	end := clampEnd(s.EventTime.Add(e.opts.After), s.EventTime.Add(-trtcapi.MaxUnusualWindow), now)
	start := end.Add(-trtcapi.MaxUnusualWindow)
	if created.After(start) && created.Before(end) {
		start = created
	}
	res := Enrichment{Kind: KindRoom, User: trtcapi.Bound(s.User, maxClientChars), Start: start, End: end, DismissalPending: !s.RoomDismissed}
	// The CommId names the call on the page (and in TRTC's console); the
	// experiences do not need it, so a failure here only goes missing.
	if room, err := e.roomState(ctx, app, s, now); err != nil {
		gaps.add(DataRoom, err)
	} else {
		res.CommID = trtcapi.Bound(room.CommID, maxClientChars)
	}
	q := trtcapi.UnusualEventQuery{SdkAppID: app, RoomID: s.Room, Start: start, End: end}
	var xs []trtcapi.AbnormalExperience
	err := e.request(ctx, trtcapi.ActionDescribeUnusualEvent, func(ctx context.Context) (err error) {
		xs, err = e.api.DescribeUnusualEvent(ctx, q)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Experiences, res.ExperiencesOmitted = e.decode.experiences(xs, s.User)
	return res, nil
}

// clampEnd keeps a window's end at or before now (TRTC has no data from the
// future) and after start.
func clampEnd(end, start, now time.Time) time.Time {
	if end.After(now) {
		end = now
	}
	if !end.After(start) {
		end = start.Add(time.Second)
	}
	return end
}

// creation is when the room of s was created, if known: from the subject, else from
// RoomCreations (whose errors count as not known). A creation after the event
// belongs to a later call of the room and is ignored.
func (e *Enricher) creation(ctx context.Context, s Subject) time.Time {
	t := s.RoomCreated
	if t.IsZero() && e.rooms != nil {
		var ok bool
		var err error
		t, ok, err = e.rooms.RoomCreated(ctx, s.App, s.roomKey())
		if err != nil {
			e.log.Debug("room creation lookup failed", "app", s.App, "room", trtcapi.Bound(s.Room, 64), "err", err)
		}
		if err != nil || !ok {
			t = time.Time{}
		}
	}
	if t.After(s.EventTime.Add(creationSlack)) {
		return time.Time{}
	}
	return t
}

// roomState finds the call (room incarnation) the event belongs to, for its
// CommId: always from DescribeRoomInfo, never built by hand. A string room's
// CommId carries TRTC's internal room number, not the string, so one built
// from the string finds nothing; and DescribeRoomInfo answers a string room
// whose id is all digits alongside the numeric room of those digits, told
// apart here by their CommId (see pickRoom). A creation time hook saw (callback
// 101) picks the call exactly; without one, the latest call created before the
// event is taken.
func (e *Enricher) roomState(ctx context.Context, app uint64, s Subject, now time.Time) (trtcapi.RoomState, error) {
	created := e.creation(ctx, s)
	key := s.App + "\x00" + s.roomKey()
	if rs, ok := e.created.get(key); ok && covers(rs, s.EventTime, created) {
		return rs, nil
	}
	// TRTC allows a window of at most 24 hours: the one ending at the event (or at
	// the known creation) finds every room created within a day before it.
	end := s.EventTime.Add(time.Minute)
	if !created.IsZero() {
		end = created.Add(time.Minute)
	}
	end = clampEnd(end, end.Add(-trtcapi.MaxRoomInfoWindow), now)
	q := trtcapi.RoomInfoQuery{SdkAppID: app, RoomID: s.Room, Start: end.Add(-trtcapi.MaxRoomInfoWindow), End: end, PageSize: trtcapi.MaxRoomInfoPage}
	var rooms []trtcapi.RoomState
	err := e.request(ctx, trtcapi.ActionDescribeRoomInfo, func(ctx context.Context) (err error) {
		rooms, _, err = e.api.DescribeRoomInfo(ctx, q)
		return err
	})
	if ee, ok := trtcapi.AsError(err); ok && ee.Class == trtcapi.ClassNotFound {
		err = nil
	}
	if err != nil {
		return trtcapi.RoomState{}, err
	}
	best, ok := pickRoom(rooms, s.Room, s.stringRoom(), s.EventTime, created)
	if !ok {
		kind := "numeric"
		if s.stringRoom() {
			kind = "string"
		}
		return trtcapi.RoomState{}, &trtcapi.Error{Class: trtcapi.ClassSkipped, Action: trtcapi.ActionDescribeRoomInfo,
			Err: fmt.Errorf("no call of %s room %q created in the 24 hours before %s", kind, trtcapi.Bound(s.Room, 64), s.EventTime.UTC())}
	}
	e.created.put(key, best)
	return best, nil
}

// creationSlack absorbs the difference between hook's clock (callback 101's
// time) and TRTC's records.
const creationSlack = 5 * time.Second

// covers reports whether call rs can be the one an event at t belongs to.
func covers(rs trtcapi.RoomState, t, created time.Time) bool {
	if !created.IsZero() {
		d := rs.CreateTime.Sub(created)
		return d <= creationSlack && d >= -creationSlack
	}
	if rs.CreateTime.After(t.Add(creationSlack)) {
		return false
	}
	return rs.DestroyTime.IsZero() || !rs.DestroyTime.Before(t.Add(-time.Minute))
}

// pickRoom chooses the call of room created last before the event (or the one
// matching the known creation time), of the right kind: a numeric room's CommId
// is SdkAppId_RoomId_CreateTs, its own id in the middle; a string room's has
// TRTC's internal number there instead. DescribeRoomInfo names both kinds by
// their text (RoomString), so "12345" may answer for either.
func pickRoom(rooms []trtcapi.RoomState, room string, stringRoom bool, t, created time.Time) (trtcapi.RoomState, bool) {
	var best trtcapi.RoomState
	found := false
	for _, rs := range rooms {
		if rs.RoomString != room || rs.CommID == "" || !covers(rs, t, created) {
			continue
		}
		if named := commRoom(rs.CommID) == room; named == stringRoom {
			continue // the other kind of room with the same text
		}
		if !found || rs.CreateTime.After(best.CreateTime) {
			best, found = rs, true
		}
	}
	return best, found
}

// commRoom is the room number inside a CommId ("1400000001_4321_1700000000"
// gives "4321"), "" when it is not shaped so.
func commRoom(commID string) string {
	_, rest, ok := strings.Cut(commID, "_")
	i := strings.LastIndexByte(rest, '_')
	if !ok || i < 0 {
		return ""
	}
	return rest[:i]
}

// request runs one API call: it waits for the action's limiter within the budget,
// refuses while a RequestLimitExceeded cool-down lasts, and starts one on it.
func (e *Enricher) request(ctx context.Context, action string, call func(context.Context) error) error {
	e.mu.Lock()
	until := e.limitedUntil
	e.mu.Unlock()
	if e.now().Before(until) {
		return &trtcapi.Error{Class: trtcapi.ClassRateLimited, Action: action,
			Err: fmt.Errorf("holding back after RequestLimitExceeded until %s", until.UTC().Format(time.RFC3339Nano))}
	}
	if err := e.limiters[action].Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return &trtcapi.Error{Class: trtcapi.ClassTimeout, Action: action, Err: fmt.Errorf("waiting for the rate limiter: %w", ctx.Err())}
		}
		return &trtcapi.Error{Class: trtcapi.ClassRateLimited, Action: action, Err: fmt.Errorf("hook's limit of %v requests per second: %w", e.opts.Rate, err)}
	}
	err := call(ctx)
	if err == nil {
		e.opts.Metrics.request(action, nil)
		return nil
	}
	// *Client's errors are classified already; another API implementation's are not.
	ee, ok := trtcapi.AsError(err)
	if !ok {
		ee = trtcapi.Classify(ctx, action, err)
	}
	e.opts.Metrics.request(action, ee)
	if ee.Class == trtcapi.ClassRateLimited && ee.Code != "" {
		// TRTC itself said no: hold every request back for a moment.
		e.mu.Lock()
		if u := e.now().Add(e.opts.Cooldown); u.After(e.limitedUntil) {
			e.limitedUntil = u
		}
		e.mu.Unlock()
	}
	return ee
}

// clone copies the slices, so a cached answer cannot be changed through a caller's copy.
func (r Enrichment) clone() Enrichment {
	r.Events = slices.Clone(r.Events)
	for i := range r.Events {
		r.Events[i].Params = slices.Clone(r.Events[i].Params)
	}
	r.Experiences = slices.Clone(r.Experiences)
	for i := range r.Experiences {
		r.Experiences[i].Causes = slices.Clone(r.Experiences[i].Causes)
	}
	if r.Client != nil {
		c := *r.Client
		r.Client = &c
	}
	r.Missing = slices.Clone(r.Missing)
	return r
}
