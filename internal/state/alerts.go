package state

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/outbox"
)

var (
	//go:embed lua/lib.lua
	luaLib string
	//go:embed lua/fire.lua
	luaFire string
	//go:embed lua/tick.lua
	luaTick string
)

// fireScript does everything one callback asks for (dedup claims, threshold
// windows, pending timers, clears, groups, silences, inhibitions, outbox) in
// one atomic step: a crash can never leave state without its notifications or
// notifications without their state, and two replicas can never both page.
var fireScript = redis.NewScript(fireSource)

// tickScript fires one due timer; see lua/tick.lua.
var tickScript = redis.NewScript(luaLib + luaTick)

// Bounds the scripts keep to (lua/lib.lua reads them from ARGV).
const (
	// DueTTL bounds the timers index's life without writes.
	DueTTL = 2 * 24 * time.Hour
	// GroupMemberCap is how many distinct members a group remembers, and how
	// many an aggregate page lists in the outbox entry (lua/lib.lua); more
	// are counted, not named.
	GroupMemberCap = 500
)

// constArgs is how many arguments every alert script starts with
// (appendConstArgs; CONST_ARGS in lua/lib.lua).
const constArgs = 7

// op is one alert as the scripts read it (cjson.decode), encoded from its
// tags by goccy/go-json: the same JSON as encoding/json, in one allocation.
// Durations are milliseconds; K names every key the op touches, each also
// passed in KEYS. The field names are the scripts': an op is kept in Redis
// while a timer is open (a pending alert, a threshold waiting for
// recovery), so a name changed here strands those of the previous version.
//
// The notification is not in the op: it goes to the script as an argument of
// its own, so that Lua, which only passes it on, never parses it. Pending
// alerts of a hook from before kept it inside the op (N); the scripts read
// either.
type op struct {
	Op     alert.Op          `json:"op"`
	Rule   string            `json:"rule"`
	K      opKeys            `json:"k"`
	Window int64             `json:"window"`
	Ev     int64             `json:"ev"`
	N      string            `json:"n,omitempty"` // the notification, in ops stored by an older hook only
	R      []receiverText    `json:"r"`           // the receivers, each as the JSON text its outbox entry keeps
	Labels map[string]string `json:"labels,omitempty"`
	Member string            `json:"member"`
	Count  int               `json:"count,omitempty"`
	Within int64             `json:"within,omitempty"`
	Wait   int64             `json:"wait,omitempty"`
	Group  *groupOp          `json:"group,omitempty"`
	// Detail is what Go says of the member at this event (its role and
	// reason, see memberDetail); the scripts keep it and hand it back.
	Detail string `json:"detail,omitempty"`
	// Share (ten-thousandths) makes a threshold relative; Present and App
	// are an app-relative one's present users and app (the tick asks Go
	// for the app's present users again); a room-relative one names the
	// room's population in K.Pop instead.
	Share   int    `json:"share,omitempty"`
	Present int    `json:"present,omitempty"`
	App     string `json:"app,omitempty"`
	// Slim marks an op sent without what only opening a wait reads (see
	// warmWaits); the script answers "retry" rather than open one with it.
	Slim bool `json:"slim,omitempty"`
}

type opKeys struct {
	Dedup  string   `json:"dedup,omitempty"`
	Win    string   `json:"win,omitempty"`
	Pend   string   `json:"pend,omitempty"`
	Clr    string   `json:"clr,omitempty"`
	Grp    string   `json:"grp,omitempty"`
	GrpNew string   `json:"grp_new,omitempty"`
	GrpAll string   `json:"grp_all,omitempty"`
	Src    []markOp `json:"src,omitempty"`
	Tgt    []string `json:"tgt,omitempty"`
	Mem    string   `json:"mem,omitempty"`
	// Drop is Keyspace.Dropped, a hash. Its JSON name is not "drop", the
	// sorted set an older hook kept there: that hook's tick, reading a wait
	// this one opened, finds no such key and pages without the details,
	// instead of failing on the hash (its script would lose the timer).
	Drop string `json:"drops,omitempty"`
	Arm  string `json:"arm,omitempty"`
	Pop  string `json:"pop,omitempty"`
}

// appendTo appends every key in k that keys lacks, for KEYS. A callback's
// alerts name a handful of keys: a linear search beats a set.
func (k opKeys) appendTo(keys []string) []string {
	add := func(key string) {
		if key != "" && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	for _, key := range [...]string{k.Dedup, k.Win, k.Pend, k.Clr, k.Grp, k.GrpNew, k.GrpAll} {
		add(key)
	}
	for _, m := range k.Src {
		add(m.Key)
	}
	for _, t := range k.Tgt {
		add(t)
	}
	for _, key := range [...]string{k.Mem, k.Drop, k.Arm, k.Pop} {
		add(key)
	}
	return keys
}

// receiverText is a receiver as the op carries it: its own JSON, as a
// string, since the scripts hand it on untouched as an outbox entry's "r".
type receiverText alert.Receiver

// MarshalText takes a pointer: the encoder reaches the op's receivers by
// address, so none is copied to the heap to be encoded.
func (r *receiverText) MarshalText() ([]byte, error) {
	return gojson.Marshal((*alert.Receiver)(r))
}

func (r *receiverText) UnmarshalText(b []byte) error {
	rc, err := alert.UnmarshalReceiver(b)
	*r = receiverText(rc)
	return err
}

type groupOp struct {
	ID       string `json:"id"`
	Wait     int64  `json:"wait"`
	Interval int64  `json:"interval"`
	Hold     int64  `json:"hold"`
}

type markOp struct {
	Key  string `json:"key"`
	Hold int64  `json:"hold"`
}

func millis(d time.Duration) int64 { return max(d.Milliseconds(), 1) }

// encode turns a into the op the scripts read, with every key it touches,
// and the notification each receiver gets if it pages (nil for an op that
// never pages: a recovery only takes a member off a window).
func encode(ks keyspace.Keyspace, a alert.Alert) (opJSON, notification []byte, _ opKeys, _ error) {
	o, err := newOp(ks, &a)
	if err != nil {
		return nil, nil, opKeys{}, err
	}
	n, err := notificationOf(o.Op, &a.Notification)
	if err != nil {
		return nil, nil, opKeys{}, err
	}
	o.R = make([]receiverText, len(a.Receivers))
	for i, r := range a.Receivers {
		o.R[i] = receiverText(r)
	}
	b, err := gojson.MarshalOf(o)
	if err != nil {
		return nil, nil, opKeys{}, fmt.Errorf("encode alert of rule %s: %w", a.Rule, err)
	}
	return b, n, o.K, nil
}

// slimOp is the op of a, a threshold whose wait is taken to run
// (warmWaits), slim: what the wait's hot path reads (lua/fire.lua,
// threshold_wait), naming only the keys it touches, pend among them. It
// is built without the rest (newOp): a storm's callbacks nearly all go
// slim.
func slimOp(ks keyspace.Keyspace, a *alert.Alert, pend string) op {
	o := op{Op: alert.OpThreshold, Rule: a.Rule, Ev: a.EventMs, Member: a.Member, Within: millis(a.Within),
		Wait: millis(a.For), Detail: outbox.MemberDetail(a.MemberRole, a.MemberReason), Slim: true}
	o.K = opKeys{Win: windowKey(ks, a.Rule, a.StateKey), Pend: pend, Drop: droppedKey(ks, a.Rule, a.StateKey)}
	for _, m := range a.InhibitSources {
		o.K.Src = append(o.K.Src, markOp{Key: inhibitKey(ks, m.Key), Hold: millis(m.Hold)})
	}
	if a.Rearm {
		o.K.Arm = rearmKey(ks, a.Rule, a.StateKey)
	}
	return o
}

// newOp is a's op but for its receivers, with every key it names.
func newOp(ks keyspace.Keyspace, a *alert.Alert) (op, error) {
	o := op{
		Op: a.Op, Rule: a.Rule, Window: millis(a.Window), Ev: a.EventMs, Labels: a.Labels,
		Member: a.Member, Count: a.Count, Detail: outbox.MemberDetail(a.MemberRole, a.MemberReason),
	}
	if o.Op == "" {
		o.Op = alert.OpPage
	}
	switch o.Op {
	case alert.OpPage:
		o.K.Dedup = dedupKey(ks, a.DedupKey)
	case alert.OpThreshold:
		o.K.Dedup = dedupKey(ks, a.DedupKey)
		o.K.Win = windowKey(ks, a.Rule, a.StateKey)
		o.Within = millis(a.Within)
		if a.For > 0 {
			// Waiting for recovery: the window holds who is away, and the
			// wait is a pending entry of the same key.
			o.K.Pend = pendingKey(ks, a.Rule, a.StateKey)
			o.Wait = millis(a.For)
			o.K.Drop = droppedKey(ks, a.Rule, a.StateKey)
		} else if a.Share > 0 {
			o.K.Mem = distinctKey(ks, a.Rule, a.StateKey)
		}
		if a.Share > 0 {
			o.Share = a.Share
			if ev := a.Notification.Event; a.Of == alert.OfApp {
				o.Present, o.App = a.Present, ev.App
			} else {
				o.K.Pop = populationKey(ks, ev.App, ev.RoomKey)
			}
		}
		if a.Rearm {
			o.K.Arm = rearmKey(ks, a.Rule, a.StateKey)
		}
	case alert.OpRearm:
		o.K.Arm = rearmKey(ks, a.Rule, a.StateKey)
		o.Within = millis(a.Within)
	case alert.OpRecover:
		o.K.Win, o.K.Drop = windowKey(ks, a.Rule, a.StateKey), droppedKey(ks, a.Rule, a.StateKey)
		o.Within, o.Wait = millis(a.Within), millis(a.For)
	case alert.OpPending:
		o.K.Pend, o.K.Clr = pendingKey(ks, a.Rule, a.StateKey), clearedKey(ks, a.Rule, a.StateKey)
		o.Wait = millis(a.For)
	case alert.OpClear:
		o.K.Pend, o.K.Clr = pendingKey(ks, a.Rule, a.StateKey), clearedKey(ks, a.Rule, a.StateKey)
	default:
		return op{}, fmt.Errorf("alert of rule %s: unknown op %q", a.Rule, a.Op)
	}
	if g := a.Group; g != nil {
		o.Group = &groupOp{ID: g.ID, Wait: max(g.Wait.Milliseconds(), 0), Interval: millis(g.Interval), Hold: millis(g.Hold)}
		o.K.Grp, o.K.GrpNew, o.K.GrpAll = groupKeys(ks, g.ID)
	}
	for _, m := range a.InhibitSources {
		o.K.Src = append(o.K.Src, markOp{Key: inhibitKey(ks, m.Key), Hold: millis(m.Hold)})
	}
	for _, t := range a.InhibitTargets {
		o.K.Tgt = append(o.K.Tgt, inhibitKey(ks, t))
	}
	return o, nil
}

// notificationOf is the notification an op of kind op hands the script:
// none for an op that never pages (a recovery only takes a member off a
// window); for a clear, only its event, all that the resolved page reads of
// it ("by", see decodeEntry), as a notification with nothing else set.
func notificationOf(op alert.Op, n *alert.Notification) ([]byte, error) {
	switch op {
	case alert.OpRecover, alert.OpRearm:
		return nil, nil
	case alert.OpClear:
		b, err := gojson.MarshalOf(clearing{Event: n.Event})
		if err != nil {
			return nil, fmt.Errorf("encode clearing event of %s: %w", n.ID, err)
		}
		return b, nil
	}
	return n.Marshal() // "encode notification <id>: ..."
}

// clearing is the notification of a clear: its event.
type clearing struct {
	Event alert.Event `json:"event"`
}

// scriptArgs are the arguments every alert script starts with (lua/lib.lua).
func scriptArgs(now time.Time, extra int) []any {
	return appendConstArgs(make([]any, 0, constArgs+extra), now.UnixMilli())
}

// appendConstArgs appends the arguments every alert script starts with,
// now (Unix ms) first.
func appendConstArgs(args []any, now any) []any {
	// Constants, so that boxing them allocates nothing.
	const outboxTTL, dueTTL = int64(outbox.TTL / time.Millisecond), int64(DueTTL / time.Millisecond)
	return append(args, now, outboxTTL, dueTTL, GroupMemberCap, timerPending, timerWait, timerGroup)
}

// Fire implements engine.Store: one round trip for all the alerts of one
// callback, in the partition of the room they are about (and, for an
// app-wide threshold, in its app's: see Redis.fireCalls).
func (s *Redis) Fire(ctx context.Context, now time.Time, alerts []alert.Alert) ([]alert.Verdict, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	out := make([]alert.Verdict, len(alerts))
	retry, err := s.fire(ctx, now, alerts, out, s.warm)
	if err != nil {
		return nil, err
	}
	if len(retry) == 0 {
		return out, nil
	}
	// Slim ops whose wait was not running after all (warmWaits) wrote
	// nothing: those alerts go again, whole.
	again := make([]alert.Alert, len(retry))
	for i, j := range retry {
		again[i] = alerts[j]
	}
	verdicts := make([]alert.Verdict, len(again))
	if _, err := s.fire(ctx, now, again, verdicts, nil); err != nil {
		return nil, err
	}
	for i, j := range retry {
		out[j] = verdicts[i]
	}
	return out, nil
}

// fire runs the fire script for alerts, setting their verdicts in out,
// slim where warm (nil: never) takes their wait to run. It returns the
// alerts to send again whole (indexes into alerts): slim, their wait was
// not running.
func (s *Redis) fire(ctx context.Context, now time.Time, alerts []alert.Alert, out []alert.Verdict, warm *warmWaits) ([]int, error) {
	calls, err := s.fireCalls(now, alerts, warm)
	if err != nil {
		return nil, err
	}
	res, err := s.runFire(ctx, calls)
	if err != nil {
		return nil, fmt.Errorf("%w: fire: %w", alert.ErrStoreUnavailable, err)
	}
	var retry []int
	for i, c := range calls {
		if len(res[i]) != c.alerts() {
			return nil, fmt.Errorf("fire: script returned %d results for %d alerts", len(res[i]), c.alerts())
		}
		for j, r := range res[i] {
			s.warm.learn(c.pends[j], r, c.now)
			if c.idx != nil {
				j = c.idx[j]
			}
			if r == verdictRetry {
				if warm == nil {
					return nil, fmt.Errorf("fire: the script asked for alert %d of rule %s whole, as it was sent", j, alerts[j].Rule)
				}
				retry = append(retry, j)
				continue
			}
			out[j] = verdict(r)
		}
	}
	return retry, nil
}

// fireCalls encodes the alerts of one callback for the fire script: one
// call per partition they fire into, each with its alerts in the
// callback's order. That is nearly always one, the room's; an app-wide
// threshold's state is in its app's partition, so that every room of the
// app counts together (see partitionOf). Partitions share no key, so a
// call per partition decides each alert as one call for all would.
func (s *Redis) fireCalls(now time.Time, alerts []alert.Alert, warm *warmWaits) ([]*fireCall, error) {
	room, err := s.partitionOf(alerts)
	if err != nil {
		return nil, err
	}
	partOf := func(a *alert.Alert) *part {
		if a.AppWide {
			return s.appPart(a)
		}
		return room
	}
	split := false
	for i := range alerts {
		split = split || partOf(&alerts[i]) != room
	}
	if !split { // the usual callback: one call, its verdicts in order
		call := s.newFireCall(room, now, len(alerts))
		for i := range alerts {
			if err := call.add(&alerts[i], warm); err != nil {
				return nil, err
			}
		}
		return []*fireCall{call}, nil
	}
	var calls []*fireCall
	for i := range alerts {
		p := partOf(&alerts[i])
		at := slices.IndexFunc(calls, func(c *fireCall) bool { return c.part == p })
		if at < 0 {
			at = len(calls)
			calls = append(calls, s.newFireCall(p, now, 1))
		}
		if err := calls[at].add(&alerts[i], warm); err != nil {
			return nil, err
		}
		calls[at].idx = append(calls[at].idx, i)
	}
	return calls, nil
}

func (s *Redis) newFireCall(p *part, now time.Time, alerts int) *fireCall {
	return &fireCall{part: p, fixed: p.boxed, keys: make([]string, 0, 4*alerts), now: now.UnixMilli(),
		ops: make([]any, 0, 2*alerts), pends: make([]string, 0, alerts)}
}

// add encodes a into c: slim when warm (nil: never) takes its wait to run.
func (c *fireCall) add(a *alert.Alert, warm *warmWaits) error {
	pend := ""
	if slimmable(a) {
		pend = pendingKey(c.part.keys, a.Rule, a.StateKey)
		if warm.warm(pend, c.now) {
			o := slimOp(c.part.keys, a, pend)
			b, err := gojson.MarshalOf(o)
			if err != nil {
				return fmt.Errorf("encode alert of rule %s: %w", a.Rule, err)
			}
			c.append(b, nil, o.K, pend)
			return nil
		}
	}
	b, n, k, err := encode(c.part.keys, *a)
	if err != nil {
		return err
	}
	c.append(b, n, k, pend)
	return nil
}

// append adds an encoded op, its notification (nil: none), its keys and
// its pending key (see pends) to c.
func (c *fireCall) append(o, n []byte, k opKeys, pend string) {
	c.ops = append(c.ops, o, n)
	c.keys = k.appendTo(c.keys)
	c.pends = append(c.pends, pend)
}

// verdict drops the detail some verdicts carry ("silenced:<id>").
func verdict(s string) alert.Verdict {
	v, _, _ := strings.Cut(s, ":")
	return alert.Verdict(v)
}
