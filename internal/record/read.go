package record

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/keyspace"
)

// Entry is one recorded callback.
type Entry struct {
	At   time.Time // arrival
	App  string    // SdkAppId
	Body []byte    // as accepted
}

// Query picks the recorded callbacks of a period.
type Query struct {
	From, To time.Time // arrivals from From to To, both included; zero: no bound
	App      string    // only this SdkAppId; "": every app
	Room     string    // only this room id (RoomId as text, numeric or string room); "": every room
}

// Match reports whether e is one q picks.
func (q Query) Match(e Entry) bool {
	if !q.From.IsZero() && e.At.Before(q.From) || !q.To.IsZero() && e.At.After(q.To) {
		return false
	}
	if q.App != "" && e.App != q.App {
		return false
	}
	if q.Room != "" {
		ev, err := callback.Decode(e.App, e.Body)
		if err != nil || ev.RoomID != q.Room {
			return false
		}
	}
	return true
}

// DefaultChunk is how many entries (batches of callbacks) Read asks one
// partition for at once.
const DefaultChunk = 2

// rangeSlack widens the entries Read asks for beyond the period: an
// entry's id is its batch's first arrival, and its last may come up to
// maxSpan later (or the id was moved later, after another replica's
// batch).
const rangeSlack = time.Minute

// Reader streams the record back.
type Reader struct {
	rdb     redis.UniversalClient
	layout  keyspace.Layout
	chunk   int
	timeout time.Duration
}

// NewReader reads the record in layout's partitions of rdb, each round trip
// bounded by timeout (DefaultTimeout when 0).
func NewReader(rdb redis.UniversalClient, layout keyspace.Layout, timeout time.Duration) *Reader {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Reader{rdb: rdb, layout: layout, chunk: DefaultChunk, timeout: timeout}
}

// Read calls fn with every recorded callback q picks, in arrival order:
// each partition's stream is read a chunk at a time and the partitions are
// merged by arrival time, so memory holds a chunk per partition whatever
// the period. An error of fn stops the read and is returned.
func (r *Reader) Read(ctx context.Context, q Query, fn func(Entry) error) error {
	start, end := "-", "+"
	if !q.From.IsZero() {
		start = strconv.FormatInt(max(q.From.Add(-rangeSlack).UnixMilli(), 0), 10)
	}
	if !q.To.IsZero() {
		end = strconv.FormatInt(q.To.Add(rangeSlack).UnixMilli(), 10)
	}
	cursors := make([]*cursor, r.layout.Partitions())
	for i := range cursors {
		stream, _, _ := keys(r.layout.Partition(i))
		cursors[i] = &cursor{key: stream, part: i, next: start, end: end}
	}
	for {
		var head *cursor
		for _, c := range cursors {
			if err := c.ensure(ctx, r); err != nil {
				return err
			}
			if c.empty() {
				continue
			}
			if head == nil || c.before(head) {
				head = c
			}
		}
		if head == nil {
			return nil
		}
		e := head.pop()
		if !q.Match(e) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// cursor reads one partition's stream a few entries at a time, and hands
// out their callbacks in arrival order.
type cursor struct {
	key       string
	part      int
	next, end string // the next read's range
	done      bool   // the stream has nothing after buf
	buf       []Entry
	pos       int
	bad       int // entries that did not decode (skipped)
}

// ensure reads the next entries when the callbacks read are used up.
func (c *cursor) ensure(ctx context.Context, r *Reader) error {
	for c.pos >= len(c.buf) && !c.done {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		msgs, err := r.rdb.XRangeN(ctx, c.key, c.next, c.end, int64(r.chunk)).Result()
		cancel()
		if err != nil {
			return fmt.Errorf("read the record (%s): %w", c.key, err)
		}
		clear(c.buf)
		c.buf, c.pos = c.buf[:0], 0
		for _, m := range msgs {
			d, _ := m.Values["d"].(string)
			var err error
			if c.buf, err = decodeBatch(c.buf, []byte(d)); err != nil {
				c.bad++
			}
		}
		// Entries of one stream hold arrivals in order, to within a
		// batch: sorted here, they merge with the other partitions'.
		slices.SortStableFunc(c.buf, func(x, y Entry) int { return x.At.Compare(y.At) })
		if len(msgs) < r.chunk {
			c.done = true
		} else if ms, seq, ok := parseID(msgs[len(msgs)-1].ID); ok {
			c.next = strconv.FormatInt(ms, 10) + "-" + strconv.FormatInt(seq+1, 10)
		} else {
			c.done = true
		}
	}
	return nil
}

func (c *cursor) empty() bool { return c.pos >= len(c.buf) }

// before orders heads by arrival, then by partition.
func (c *cursor) before(d *cursor) bool {
	a, b := c.buf[c.pos].At, d.buf[d.pos].At
	if !a.Equal(b) {
		return a.Before(b)
	}
	return c.part < d.part
}

func (c *cursor) pop() Entry {
	e := c.buf[c.pos]
	c.buf[c.pos] = Entry{} // the body is the caller's now
	c.pos++
	return e
}

// parseID splits a stream id "ms-seq".
func parseID(id string) (ms, seq int64, ok bool) {
	a, b, found := strings.Cut(id, "-")
	if !found {
		return 0, 0, false
	}
	ms, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	return ms, seq, err1 == nil && err2 == nil
}
