package population

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/keyspace"
)

// call is one run of the script: the ops of one partition.
type call struct {
	keys []string
	args []any
	ops  int
}

// fixedKeys are the first five KEYS of a script run in partition ks.
func fixedKeys(ks keyspace.Keyspace, gen int64) []string {
	return []string{roomsKey(ks), appsKey(ks), goneKey(ks), leftKey(ks, gen), leftKey(ks, gen-1)}
}

// generation is the departure period now falls in.
func generation(now time.Time) int64 { return now.UnixMilli() / DepartedPeriod.Milliseconds() }

// newCall starts a script run in partition ks at now.
func (t *Tracker) newCall(ks keyspace.Keyspace, now time.Time) *call {
	gen := generation(now)
	// The period's departures are kept through the next period: each is
	// remembered for at least DepartedPeriod.
	expireAt := (gen + 2) * DepartedPeriod.Milliseconds()
	perPart := max(1, t.opts.MaxDeparted/(2*t.layout.Partitions()))
	return &call{keys: fixedKeys(ks, gen), args: []any{now.UnixMilli(), expireAt, perPart, maxSorted}}
}

// add appends o to c, its room's key at index key (1-based, as KEYS).
func (c *call) add(o op, key int) {
	var rec, lf string
	switch o.kind {
	case 'e':
		rec = record(o.ms, o.role, o.term, o.utype)
		lf = departedField(o.app, o.roomKey, o.user)
	case 'x':
		// An exit carries the role only; its entry, if hook saw it, says the rest.
		rec = record(0, o.role, -1, -1)
		lf = departedField(o.app, o.roomKey, o.user)
	}
	c.args = append(c.args, string(o.kind), key, member(o.app, o.roomKey), o.app, o.user, o.ms, rec, lf)
	c.ops++
}

// record is what the script keeps of a user: "entered ms,role,terminal,user type".
func record(entered int64, role, term, utype int) string {
	b := make([]byte, 0, 24)
	b = strconv.AppendInt(b, entered, 10)
	for _, v := range [...]int{role, term, utype} {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(b)
}

// member names a room in the rooms index and the dismissals: app ids are
// digits, so the first colon ends the app.
func member(app, roomKey string) string { return app + ":" + roomKey }

// departedField names a user of a room among the departures of a
// partition; the room's length makes it unambiguous whatever the ids hold.
func departedField(app, roomKey, user string) string {
	return app + ":" + strconv.Itoa(len(roomKey)) + ":" + roomKey + ":" + user
}

// calls groups ops by partition, in order, one script run each.
func (t *Tracker) calls(ops []op, now time.Time) []*call {
	byPart := map[int]*call{}
	var order []*call
	keyIndex := map[string]int{} // room key -> its index in its call's KEYS
	for _, o := range ops {
		p := t.layout.PartitionOf(o.app, o.room)
		c := byPart[p]
		if c == nil {
			c = t.newCall(t.layout.Partition(p), now)
			byPart[p] = c
			order = append(order, c)
		}
		k := Key(t.layout.Partition(p), o.app, o.roomKey)
		i, ok := keyIndex[k]
		if !ok {
			c.keys = append(c.keys, k)
			i = len(c.keys)
			keyIndex[k] = i
		}
		c.add(o, i)
	}
	return order
}

// write applies ops: one script per partition, all in one pipeline. Ops
// Redis did not take are counted as dropped.
func (t *Tracker) write(ctx context.Context, ops []op) error {
	if len(ops) == 0 {
		return nil
	}
	calls := t.calls(ops, t.opts.Now())
	_, errs := t.run(ctx, calls)
	for i, err := range errs {
		if err != nil {
			t.lose(calls[i].ops, err)
		}
	}
	return joined(errs, len(calls))
}

// joined is one error for the calls that failed, or nil.
func joined(errs []error, calls int) error {
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("population: %d of %d partitions not written: %w", len(failed), calls, errors.Join(failed...))
}

// run sends calls in one pipeline, loading the script where Redis does not
// know it (a restart, a failover) and sending only those calls again: the
// others ran. It returns each call's {applied, ignored}, or its error.
func (t *Tracker) run(ctx context.Context, calls []*call) ([][2]int64, []error) {
	cmds := t.pipeline(ctx, calls)
	var missed []int
	for i, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			missed = append(missed, i)
		}
	}
	if len(missed) > 0 {
		if err := script.Load(ctx, t.rdb).Err(); err == nil {
			again := make([]*call, len(missed))
			for k, i := range missed {
				again[k] = calls[i]
			}
			for k, c := range t.pipeline(ctx, again) {
				cmds[missed[k]] = c
			}
		}
	}
	out := make([][2]int64, len(calls))
	errs := make([]error, len(calls))
	for i, c := range cmds {
		res, err := c.Int64Slice()
		if err == nil && len(res) != 2 {
			err = fmt.Errorf("script returned %d values", len(res))
		}
		if err != nil {
			errs[i] = err
			continue
		}
		out[i] = [2]int64{res[0], res[1]}
	}
	return out, errs
}

func (t *Tracker) pipeline(ctx context.Context, calls []*call) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(calls))
	_, _ = t.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = script.EvalSha(ctx, p, c.keys, c.args...)
		}
		return nil
	}) // errors are read per command
	return cmds
}

// lose counts n ops Redis did not take, and says so in the log at most
// every writebehind.LossLogEvery, with how many were lost since.
func (t *Tracker) lose(n int, err error) {
	t.opts.Metrics.drop(reasonRedis, n)
	if lost := t.losses.Add(n, t.opts.Now()); lost > 0 {
		t.log.Warn("room population not written: rooms' and apps' user counts may be off until they change again",
			"ops", lost, "err", err)
	}
}
