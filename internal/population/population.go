// Package population keeps who is in each TRTC room, and how many users each
// app has in its rooms, in Redis: thresholds relative to a room's or an
// app's users read it, and the page of a user's exit shows what their entry
// said.
//
// It owns:
//   - its Redis keys (keys.go), in the room's partition's keyspace
//     (keyspace.Layout.PartitionOf(app, room)): Key(app, roomKey), a hash
//     of the users present (user id -> what their 103 said; HLEN is the
//     room's population, read by the fire script), the rooms by last change
//     (for the age-out), the users present per app, the rooms dismissed
//     lately and the users who left, per half hour;
//   - population.lua, embedded, the only code that changes them;
//   - the Tracker: a batched writer the engine feeds every room callback
//     (101 to 104) without waiting, the reads (Member, RoomPresent), and an
//     in-process cache of each app's users present (AppPresent).
//
// What it keeps, and what it costs:
//   - 103 adds the user with what the entry said (entry time, role,
//     terminal, user type); 104 removes them; 102 clears the room. Order is
//     by the event's own time (EventMsTs), not arrival: an exit older than
//     the user's known entry, and an entry older than their known exit or
//     than the room's dismissal, change nothing. 101 changes nothing: a room
//     is known by who is in it.
//   - A user who left is remembered (for Member) for 30 to 60 minutes, at
//     most MaxDeparted of them in all (about 130 bytes each).
//   - A room that ends without a 102 hook saw (lost, or sent while hook was
//     down) is forgotten once no user entered or left it for IdleRoom.
//     Each app's count is kept per partition by the script that changes
//     the rooms, decremented by exactly the users a room loses, when they
//     leave, when it is dismissed, and when it ages out: it cannot drift.
//   - Memory, per present user, every population key counted (MEMORY USAGE
//     on redis-server 7.0, TestMemoryPerPresentUser): about 83 bytes in a
//     room of 100,000 (8 MB), 45 for an app of 1,000,000 in rooms of 50
//     (45 MB), 152 in calls of two (the rooms index costs about 120 bytes a
//     room). A departure remembered costs about 130 bytes.
//
// Writes never delay a callback: Observe queues, and a goroutine sends what
// is queued every FlushEvery (or as soon as Batch ops wait) as one pipeline
// with one script per partition. When the queue is full an op is dropped and
// counted (hook_population_dropped_total); so is a batch Redis refused.
package population

import (
	"context"
	_ "embed"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/writebehind"
)

//go:embed population.lua
var populationSource string

// script applies ops to one partition's population keys; see population.lua.
var script = redis.NewScript(populationSource)

// Defaults of Options.
const (
	DefaultQueue        = 1 << 16
	DefaultBatch        = 4096
	DefaultFlushEvery   = 20 * time.Millisecond
	DefaultRefreshEvery = 2 * time.Second
	DefaultTimeout      = 2 * time.Second
	// IdleRoom is how long a room with users present keeps them without a
	// single entry or exit: past it, the room is taken to have ended without
	// a dismissal hook saw. A live room changes every few seconds; a call
	// of two that nobody joins or leaves for 12 hours is forgotten, and its
	// users' exits, when they come, change nothing.
	IdleRoom = 12 * time.Hour
	// DepartedPeriod is how long a departure is remembered at least (and at
	// most twice as long): long enough to enrich the page of the exit, and
	// to order an entry arriving late after it (TRTC retries for a minute).
	DepartedPeriod = 30 * time.Minute
	// MaxDeparted bounds the departures remembered at once, over all
	// partitions.
	MaxDeparted = 1_000_000
	// GoneFor is how long a dismissal is remembered, to order entries
	// arriving late after it.
	GoneFor = 10 * time.Minute
	// maxSorted is the largest room a dismissal sorts user by user (those
	// who entered after it stay); a larger one is cleared whole.
	maxSorted = 1000
	// sweepBatch bounds the rooms one refresh ages out per partition.
	sweepBatch = 256
	// maxIDLen bounds a room or user id: TRTC's are at most 64 bytes, and a
	// longer one is not TRTC's.
	maxIDLen = 256
)

// Options tune a Tracker; the zero value takes every default.
type Options struct {
	Queue        int           // ops waiting to be written, at most
	Batch        int           // ops one flush sends, at most
	FlushEvery   time.Duration // how long an op waits for company, at most
	RefreshEvery time.Duration // how often Run refreshes AppPresent and ages rooms out
	Timeout      time.Duration // bounds every round trip to Redis
	Idle         time.Duration // IdleRoom unless set (tests)
	MaxDeparted  int           // MaxDeparted unless set
	// Now is the clock: required (the server's, or a test's).
	Now     func() time.Time
	Metrics *Metrics // nil: nothing counted
	Log     *slog.Logger
}

// Tracker keeps the population of every room in Redis: see the package
// documentation.
type Tracker struct {
	rdb    redis.UniversalClient
	layout keyspace.Layout
	opts   Options
	log    *slog.Logger

	q *writebehind.Queue[op]

	apps   atomic.Pointer[map[string]int] // AppPresent's cache
	losses writebehind.Losses             // lost to Redis errors, between log lines
}

// New returns a tracker writing to rdb in layout's partitions. Start starts
// its writer; Close stops it.
func New(rdb redis.UniversalClient, layout keyspace.Layout, opts Options) *Tracker {
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = DefaultFlushEvery
	}
	if opts.RefreshEvery <= 0 {
		opts.RefreshEvery = DefaultRefreshEvery
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Idle <= 0 {
		opts.Idle = IdleRoom
	}
	if opts.MaxDeparted <= 0 {
		opts.MaxDeparted = MaxDeparted
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Tracker{rdb: rdb, layout: layout, opts: opts, log: log}
	t.q = writebehind.New(writebehind.Options{Capacity: opts.Queue, Batch: opts.Batch, Every: opts.FlushEvery, Timeout: opts.Timeout}, t.write)
	return t
}

// op is one room event to write. Its strings are the callback's own.
type op struct {
	kind              byte // 'e' enter, 'x' exit, 'd' dismissed, 'a' age out
	app, roomKey      string
	room              string // the bare room id, for the partition
	user              string
	ms                int64 // event time; for 'a', the cutoff
	role, term, utype int
}

// Observe queues what a room callback changes, without waiting: 103, 104
// and 102 of group 1 (every other callback, 101 included, changes
// nothing). When the queue is full the op is dropped and counted.
func (t *Tracker) Observe(ev callback.Event) {
	if ev.Group != 1 {
		return
	}
	o := op{app: ev.AppID, room: ev.RoomID, roomKey: ev.RoomKey(), user: ev.UserID, ms: ev.EventTime().UnixMilli(),
		role: ev.Role, term: ev.TerminalType, utype: ev.UserType}
	switch ev.Type {
	case 103:
		o.kind = 'e'
	case 104:
		o.kind = 'x'
	case 102:
		o.kind, o.user = 'd', ""
	default:
		return
	}
	if !valid(o) {
		t.opts.Metrics.drop(reasonInvalid, 1)
		return
	}
	switch t.q.Offer(o) {
	case writebehind.ErrClosed:
		t.opts.Metrics.drop(reasonClosed, 1)
	case writebehind.ErrFull:
		t.opts.Metrics.drop(reasonQueueFull, 1)
	}
}

// valid reports whether o can be written: an app as TRTC writes it (digits:
// the rooms index splits "app:roomKey" at the first colon), a room, a user
// for an entry or exit, and ids of a sane length.
func valid(o op) bool {
	if o.app == "" || len(o.app) > 20 || o.room == "" || len(o.roomKey) > maxIDLen || len(o.user) > maxIDLen {
		return false
	}
	for i := 0; i < len(o.app); i++ {
		if o.app[i] < '0' || o.app[i] > '9' {
			return false
		}
	}
	return o.kind == 'd' || o.user != ""
}

// Start starts the writer: it sends what is queued every FlushEvery, or
// as soon as Batch ops wait, until Close.
func (t *Tracker) Start() { t.q.Start() }

// Close stops the writer after it has written what is queued (each round
// trip bounded by Timeout); ops observed after it are dropped.
func (t *Tracker) Close() { t.q.Close() }

// Flush writes what is queued now, in batches, and returns the first error.
// The writer does this by itself; tests and Close without Start call it.
func (t *Tracker) Flush(ctx context.Context) error { return t.q.Flush(ctx) }

// Sync is a tracker that writes each room event before Observe returns,
// and reads AppPresent through to Redis, for rehearsals (hook test
// --sequence) and tests, where the rules must see exactly the population
// the events so far made. Never for a server: it costs every room event,
// and every threshold relative to an app, a round trip on the callback
// path.
type Sync struct{ *Tracker }

// AppPresent is Present, read now: no cache a moment behind. 0 when Redis
// does not answer.
func (s Sync) AppPresent(app string) int {
	n, _ := s.Present(context.Background(), app)
	return n
}

// Observe queues ev and writes what is queued.
func (s Sync) Observe(ev callback.Event) {
	s.Tracker.Observe(ev)
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	_ = s.Flush(ctx) // a failure is counted as dropped, as the writer's
}
