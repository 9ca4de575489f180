package population

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Member is what hook knows of a user of a room: what their entry (103)
// said, while they are present and for at least DepartedPeriod after they
// left. Fields the callbacks did not carry are callback.Absent (-1), times
// zero.
type Member struct {
	User     string
	Role     int // 20 anchor, 21 audience (TRTC's numbers)
	Terminal int // TerminalType
	UserType int
	Entered  time.Time // zero when hook saw the exit but not the entry
	Left     time.Time // zero while present
}

// Present reports whether the user is in the room now.
func (m Member) Present() bool { return m.Left.IsZero() }

// roomOf is the bare room id of a room key ("s:abc" is the string room
// "abc"), which decides its partition.
func roomOf(roomKey string) string { return strings.TrimPrefix(roomKey, "s:") }

// Member returns what hook knows of user in the room (app, roomKey as
// callback.Event.RoomKey makes it); ok is false when it knows nothing.
// One round trip.
func (t *Tracker) Member(ctx context.Context, app, roomKey, user string) (Member, bool, error) {
	ks := t.layout.Partition(t.layout.PartitionOf(app, roomOf(roomKey)))
	gen := generation(t.opts.Now())
	lf := departedField(app, roomKey, user)
	ctx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
	defer cancel()
	var present *redis.StringCmd
	var left [3]*redis.StringCmd
	_, err := t.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		present = p.HGet(ctx, Key(ks, app, roomKey), user)
		// The period before, this one, and the next (a writer whose clock
		// is ahead may already write there).
		for i := range left {
			left[i] = p.HGet(ctx, leftKey(ks, gen-1+int64(i)), lf)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return Member{}, false, fmt.Errorf("room member: %w", err)
	}
	if rec, err := present.Result(); err == nil {
		m, ok := parseRecord(user, rec, false)
		return m, ok, nil
	}
	var best Member
	found := false
	for _, c := range left {
		rec, err := c.Result()
		if err != nil {
			continue
		}
		if m, ok := parseRecord(user, rec, true); ok && (!found || m.Left.After(best.Left)) {
			best, found = m, true
		}
	}
	return best, found, nil
}

// parseRecord reads a record the script wrote: "entered,role,terminal,user
// type", and ",left" for a departure.
func parseRecord(user, rec string, departed bool) (Member, bool) {
	parts := strings.Split(rec, ",")
	want := 4
	if departed {
		want = 5
	}
	if len(parts) != want {
		return Member{}, false
	}
	var n [5]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return Member{}, false
		}
		n[i] = v
	}
	m := Member{User: user, Role: int(n[1]), Terminal: int(n[2]), UserType: int(n[3])}
	if n[0] > 0 {
		m.Entered = time.UnixMilli(n[0]).UTC()
	}
	if departed {
		m.Left = time.UnixMilli(n[4]).UTC()
	}
	return m, true
}

// RoomPresent is how many users are in the room now (its hash's HLEN, as
// the fire script reads it).
func (t *Tracker) RoomPresent(ctx context.Context, app, roomKey string) (int, error) {
	ks := t.layout.Partition(t.layout.PartitionOf(app, roomOf(roomKey)))
	ctx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
	defer cancel()
	n, err := t.rdb.HLen(ctx, Key(ks, app, roomKey)).Result()
	if err != nil {
		return 0, fmt.Errorf("room population: %w", err)
	}
	return int(n), nil
}

// AppPresent is how many users of app are in any room, as of the last
// refresh (every RefreshEvery while Run runs); 0 when unknown. It never
// touches Redis: thresholds relative to an app read it on the callback path.
func (t *Tracker) AppPresent(app string) int {
	if m := t.apps.Load(); m != nil {
		return (*m)[app]
	}
	return 0
}

// Present is how many users of app are in any room now, read from Redis
// (every partition's count, one pipeline): what AppPresent caches.
func (t *Tracker) Present(ctx context.Context, app string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
	defer cancel()
	n := t.layout.Partitions()
	counts := make([]*redis.StringCmd, n)
	_, err := t.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range n {
			counts[i] = p.HGet(ctx, appsKey(t.layout.Partition(i)), app)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("app population: %w", err)
	}
	sum := 0
	for _, c := range counts {
		if v, err := c.Int(); err == nil && v > 0 {
			sum += v
		}
	}
	return sum, nil
}

// Run refreshes AppPresent and ages idle rooms out every RefreshEvery
// until ctx ends. Every replica may run it: aging out is idempotent.
func (t *Tracker) Run(ctx context.Context) {
	tick := time.NewTicker(t.opts.RefreshEvery)
	defer tick.Stop()
	for {
		if err := t.Refresh(ctx); err != nil && ctx.Err() == nil {
			t.log.Debug("room population: refresh failed; app counts kept as they were", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Refresh reads every partition's app counts in one pipeline into
// AppPresent's cache, forgets dismissals older than GoneFor, and ages out
// rooms idle for longer than Idle (up to sweepBatch a partition; the next
// refresh takes the rest).
func (t *Tracker) Refresh(ctx context.Context) error {
	now := t.opts.Now()
	cutoff := now.Add(-t.opts.Idle).UnixMilli()
	ctx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
	defer cancel()
	n := t.layout.Partitions()
	apps := make([]*redis.MapStringStringCmd, n)
	idle := make([]*redis.StringSliceCmd, n)
	_, err := t.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range n {
			ks := t.layout.Partition(i)
			apps[i] = p.HGetAll(ctx, appsKey(ks))
			idle[i] = p.ZRangeByScore(ctx, roomsKey(ks), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(cutoff, 10), Count: sweepBatch})
			p.ZRemRangeByScore(ctx, goneKey(ks), "-inf", strconv.FormatInt(now.Add(-GoneFor).UnixMilli(), 10))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("room population: refresh: %w", err)
	}
	sum := map[string]int{}
	for _, c := range apps {
		for app, v := range c.Val() {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				sum[app] += n
			}
		}
	}
	t.apps.Store(&sum)
	var aged []op
	for _, c := range idle {
		for _, m := range c.Val() {
			app, roomKey, ok := strings.Cut(m, ":")
			if !ok {
				continue
			}
			aged = append(aged, op{kind: 'a', app: app, roomKey: roomKey, room: roomOf(roomKey), ms: cutoff})
		}
	}
	if len(aged) == 0 {
		return nil
	}
	calls := t.calls(aged, now)
	_, errs := t.run(ctx, calls)
	if err := joined(errs, len(calls)); err != nil {
		return fmt.Errorf("room population: age out: %w", err)
	}
	return nil
}
