package outbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// Flood digests (notify/flood.go) are recorded here: an index of digests by
// start time, and per digest a hash (receiver, channel, pages, since, until,
// the digest as last shown, its message) and the list of pages absorbed into
// it. A page leaves the outbox and joins its digest's list in one script.
const (
	// DigestTTL is how long a digest's record is kept after its last page.
	DigestTTL = 7 * 24 * time.Hour
	// MaxDigestPagesListed bounds the pages listed one by one per digest (the
	// first ones); the rest are counted only.
	MaxDigestPagesListed = 10000
	// MaxDigests bounds the index; the oldest digests drop out of it first.
	MaxDigests = 1000
)

// digestIDRE is what notify's digest ids look like; ids from the admin API
// are checked against it before they reach a key.
var digestIDRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// The absorb script (lua/absorb.lua) moves pages from the outbox into a digest. A page is taken
// only if it is still pending for this consumer (another replica may have
// taken it over, and then it is theirs to deliver), and then it is
// acknowledged, deleted and listed in the same step: never in both the
// outbox and a digest, never in neither.
//
// KEYS: outbox, digest index, digest hash, digest page list.
// ARGV: group, consumer, digest id, now (ms), ttl (ms), max listed, max
// digests, receiver, channel, then (outbox id, page summary) pairs.

// digestedPage is a page's line in its digest's list.
type digestedPage struct {
	OutboxID   string `json:"outbox_id"`
	PageID     string `json:"page_id"`
	Kind       string `json:"kind,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Severity   string `json:"severity,omitempty"`
	App        string `json:"app,omitempty"`
	Room       string `json:"room,omitempty"`
	User       string `json:"user,omitempty"`
	Task       string `json:"task,omitempty"`
	CreatedAt  int64  `json:"created_at,omitempty"` // Unix ms
	DigestedAt int64  `json:"digested_at"`          // Unix ms
}

// lineOf is the line of page d, absorbed at now (Unix ms).
func lineOf(d alert.Delivery, now int64) digestedPage {
	p := d.Notification
	return digestedPage{OutboxID: d.ID, PageID: p.PageID(), Kind: string(p.Kind), Rule: p.Rule,
		Severity: string(p.Severity), App: p.Event.App, Room: p.Event.Room, User: p.Event.User, Task: p.Event.Task,
		CreatedAt: p.CreatedAt.UnixMilli(), DigestedAt: now}
}

// page is the line as operators see it.
func (l digestedPage) page() alert.DigestedPage {
	return alert.DigestedPage{OutboxID: l.OutboxID, PageID: l.PageID, Kind: alert.Kind(l.Kind),
		Rule: l.Rule, Severity: alert.Severity(l.Severity), App: l.App, Room: l.Room, User: l.User, Task: l.Task,
		CreatedAt: unixMilli(l.CreatedAt), DigestedAt: unixMilli(l.DigestedAt)}
}

// Absorb implements notify.DigestStore.
func (o *Outbox) Absorb(ctx context.Context, consumer string, n alert.Notification, dels []alert.Delivery) ([]string, error) {
	if !digestIDRE.MatchString(n.ID) {
		return nil, fmt.Errorf("digest id %q is not valid", n.ID)
	}
	if len(dels) == 0 {
		return nil, nil
	}
	now := o.now().UnixMilli()
	args := []any{o.group, consumer, n.ID, now, DigestTTL.Milliseconds(), MaxDigestPagesListed, MaxDigests,
		n.Receiver.Name, n.Receiver.Channel}
	head := len(args)
	for _, d := range dels {
		line, err := json.Marshal(lineOf(d, now))
		if err != nil {
			return nil, fmt.Errorf("encode digested page %s: %w", d.ID, err)
		}
		args = append(args, d.ID, line)
	}
	// A flood spans rooms, and so partitions: each partition's pages move
	// into that partition's record of the digest, atomically, in the
	// partition's own slot. Reading a digest merges its records.
	byPart := map[string][]any{}
	parts := map[string]part{}
	for i := head; i+1 < len(args); i += 2 {
		p, sid, ok := o.locate(args[i].(string))
		if !ok {
			continue
		}
		parts[p.Name] = p
		byPart[p.Name] = append(byPart[p.Name], sid, args[i+1])
	}
	var absorbed []string
	for name, pairs := range byPart {
		p := parts[name]
		meta, pages := Digest(p.Keys, n.ID)
		ids, err := o.scripts.absorb.Run(ctx, o.rdb, []string{p.stream(), Digests(p.Keys), meta, pages},
			append(append([]any{}, args[:head]...), pairs...)...).StringSlice()
		if err != nil && !errors.Is(err, redis.Nil) {
			return absorbed, fmt.Errorf("%w: absorb pages into digest %s: %w", alert.ErrStoreUnavailable, n.ID, err)
		}
		for _, sid := range ids {
			absorbed = append(absorbed, p.id(sid))
		}
	}
	return absorbed, nil
}

// digestSpaces are the keyspaces holding records of digests: every part,
// and the global one (what a digest showed, its dead letter).
func (o *Outbox) digestSpaces() []keyspace.Keyspace {
	seen := map[string]bool{} // by tag
	var out []keyspace.Keyspace
	spaces := []keyspace.Keyspace{o.layout.Global()}
	for _, p := range o.parts {
		spaces = append(spaces, p.Keys)
	}
	for _, ks := range spaces {
		if !seen[ks.Tag()] {
			seen[ks.Tag()] = true
			out = append(out, ks)
		}
	}
	return out
}

// record is a digest's record in Redis, field for field: the one
// declaration of its shape. lua/absorb.lua counts pages into pages, since
// and until and names the receiver and channel; lua/dead_letter_digest.lua
// sets dead_lettered; SaveDigest sets shown and message.
// TestDigestRecordIsTheHash holds the scripts to it.
type record struct {
	Receiver     string `redis:"receiver"`
	Channel      string `redis:"channel"`
	Pages        int64  `redis:"pages"`
	Since        int64  `redis:"since"` // Unix ms
	Until        int64  `redis:"until"` // Unix ms
	Shown        string `redis:"shown"` // the digest as last posted, a notification
	Message      string `redis:"message"`
	DeadLettered string `redis:"dead_lettered"`
}

// merge folds in the record of the same digest kept in another keyspace:
// page counts add up, the time span widens, the rest is whichever has it.
func (r *record) merge(o record) {
	r.Pages += o.Pages
	if o.Since != 0 && (r.Since == 0 || o.Since < r.Since) {
		r.Since = o.Since
	}
	r.Until = max(r.Until, o.Until)
	r.Receiver, r.Channel = cmp.Or(r.Receiver, o.Receiver), cmp.Or(r.Channel, o.Channel)
	r.Shown, r.Message, r.DeadLettered = cmp.Or(r.Shown, o.Shown), cmp.Or(r.Message, o.Message), cmp.Or(r.DeadLettered, o.DeadLettered)
}

// digest is the record as operators see it; listed is how many of its
// pages are kept one by one.
func (r record) digest(id string, listed int64) alert.DigestRecord {
	d := alert.DigestRecord{ID: id, Receiver: r.Receiver, Channel: r.Channel, Pages: r.Pages, Listed: listed,
		Since: unixMilli(r.Since), Until: unixMilli(r.Until), Message: r.Message, DeadLettered: r.DeadLettered}
	if r.Shown != "" {
		if n, err := alert.UnmarshalNotification([]byte(r.Shown)); err == nil {
			d.Shown = &n
		}
	}
	return d
}

// SaveDigest implements notify.DigestStore.
func (o *Outbox) SaveDigest(ctx context.Context, n alert.Notification, message string) error {
	b, err := n.Marshal()
	if err != nil {
		return err
	}
	meta, _ := Digest(o.layout.Global(), n.ID)
	pipe := o.rdb.TxPipeline()
	pipe.HSet(ctx, meta, "shown", b, "message", message)
	pipe.PExpire(ctx, meta, DigestTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("%w: save digest %s: %w", alert.ErrStoreUnavailable, n.ID, err)
	}
	return nil
}

// DeadLetterDigest implements notify.DigestStore. The dead letter holds the
// whole digest, so retrying it (hook outbox retry) posts it again.
func (o *Outbox) DeadLetterDigest(ctx context.Context, n alert.Notification, reason string) error {
	b, err := n.Marshal()
	if err != nil {
		return err
	}
	meta, _ := Digest(o.layout.Global(), n.ID)
	err = o.scripts.deadLetterDigest.Run(ctx, o.rdb, []string{DeadLetters(o.layout.Global()), meta},
		b, reason, strconv.FormatInt(o.now().UnixMilli(), 10), n.ID, DeadLetterTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("%w: dead-letter digest %s: %w", alert.ErrStoreUnavailable, n.ID, err)
	}
	return nil
}

// digestIDs are the indexed digests, newest first (merged across keyspaces).
func (o *Outbox) digestIDs(ctx context.Context) ([]string, error) {
	spaces := o.digestSpaces()
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, len(spaces))
	for i, ks := range spaces {
		cmds[i] = pipe.ZRevRangeWithScores(ctx, Digests(ks), 0, MaxDigests-1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: list digests: %w", alert.ErrStoreUnavailable, err)
	}
	latest := map[string]float64{}
	for _, c := range cmds {
		for _, z := range c.Val() {
			id, _ := z.Member.(string)
			if z.Score > latest[id] {
				latest[id] = z.Score
			}
		}
	}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return latest[ids[i]] > latest[ids[j]] || latest[ids[i]] == latest[ids[j]] && ids[i] < ids[j]
	})
	return ids, nil
}

// DigestCount reports how many digests are indexed.
func (o *Outbox) DigestCount(ctx context.Context) (int64, error) {
	ids, err := o.digestIDs(ctx)
	return int64(len(ids)), err
}

// Digests lists up to limit digests, newest first.
func (o *Outbox) Digests(ctx context.Context, limit int) ([]alert.DigestRecord, error) {
	ids, err := o.digestIDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]alert.DigestRecord, 0, len(ids))
	for _, id := range ids {
		r, _, err := o.Digest(ctx, id, 0)
		if errors.Is(err, alert.ErrDigestNotFound) {
			continue // expired meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Digest returns one digest and up to limit of its pages, in the order
// they were absorbed (partition by partition).
func (o *Outbox) Digest(ctx context.Context, id string, limit int) (alert.DigestRecord, []alert.DigestedPage, error) {
	if !digestIDRE.MatchString(id) {
		return alert.DigestRecord{}, nil, fmt.Errorf("%w: %q", alert.ErrDigestNotFound, id)
	}
	spaces := o.digestSpaces()
	pipe := o.rdb.Pipeline()
	metas := make([]*redis.MapStringStringCmd, len(spaces))
	counts := make([]*redis.IntCmd, len(spaces))
	lines := make([]*redis.StringSliceCmd, len(spaces))
	for i, ks := range spaces {
		meta, pages := Digest(ks, id)
		metas[i], counts[i] = pipe.HGetAll(ctx, meta), pipe.LLen(ctx, pages)
		if limit > 0 {
			lines[i] = pipe.LRange(ctx, pages, 0, int64(limit)-1)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return alert.DigestRecord{}, nil, fmt.Errorf("%w: read digest %s: %w", alert.ErrStoreUnavailable, id, err)
	}
	var rec record
	found := false
	var listed int64
	var out []alert.DigestedPage
	for i := range spaces {
		if len(metas[i].Val()) > 0 {
			var r record
			if err := metas[i].Scan(&r); err != nil {
				return alert.DigestRecord{}, nil, fmt.Errorf("digest %s: record: %w", id, err)
			}
			rec.merge(r)
			found = true
		}
		listed += counts[i].Val()
		if lines[i] == nil {
			continue
		}
		for _, l := range lines[i].Val() {
			if len(out) >= limit {
				break
			}
			var p digestedPage
			if err := json.Unmarshal([]byte(l), &p); err != nil {
				return alert.DigestRecord{}, nil, fmt.Errorf("digest %s: page line %q: %w", id, l, err)
			}
			out = append(out, p.page())
		}
	}
	if !found {
		return alert.DigestRecord{}, nil, fmt.Errorf("%w: %s", alert.ErrDigestNotFound, id)
	}
	d := rec.digest(id, listed)
	if d.Shown != nil {
		o.fill(d.Shown)
	}
	return d, out, nil
}

func unixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
