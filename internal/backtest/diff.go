package backtest

import (
	"slices"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// The two sides of a comparison.
const (
	current = 0
	updated = 1
)

// pageKey says which pages are the same page (see the package
// documentation).
type pageKey struct {
	rule, kind, dedup, receiver string
}

func keyOf(n alert.Notification) pageKey {
	return pageKey{rule: n.Rule, kind: string(n.Kind), dedup: n.DedupKey, receiver: n.Receiver.Name}
}

// waiting is a page of one side not yet matched by the other: what the
// report shows of it, not the whole notification (a page of a storm lists
// its members and weighs kilobytes).
type waiting struct {
	key     pageKey
	at      time.Time
	ex      Example
	matched bool
}

// side is one ruleset's pages awaiting their match, oldest first.
type side struct {
	queue     []*waiting
	head      int
	unmatched map[pageKey][]*waiting // FIFO per key
	progress  time.Time              // the side's clock: it pages nothing older any more
}

// differ matches the two sides' pages as they come, within the match
// window, so that memory holds the pages of one window, not of the period.
type differ struct {
	rep   *Report
	match time.Duration
	sides [2]*side
}

func newDiffer(rep *Report, opts Options) *differ {
	d := &differ{rep: rep, match: opts.Match}
	for i := range d.sides {
		d.sides[i] = &side{unmatched: map[pageKey][]*waiting{}}
	}
	return d
}

// run takes the replays' results until both are done; after the first
// error it cancels the rest and only drains.
func (d *differ) run(results <-chan result, cancel func()) error {
	var first error
	for r := range results {
		if first != nil {
			continue
		}
		if r.err != nil {
			first = r.err
			cancel()
			continue
		}
		for _, p := range r.pages {
			d.add(r.side, p)
		}
		if r.progress.After(d.sides[r.side].progress) {
			d.sides[r.side].progress = r.progress
		}
		d.expire(false)
	}
	if first == nil {
		d.expire(true)
	}
	return first
}

// add counts p for its side and matches it with the other side's oldest
// page of the same key, if one waits.
func (d *differ) add(s int, p page) {
	k := keyOf(p.n)
	rr := d.rep.rule(k.rule)
	if s == current {
		rr.Current++
		d.rep.CurrentPages++
	} else {
		rr.New++
		d.rep.NewPages++
	}
	other := d.sides[1-s]
	ws := other.unmatched[k]
	for i, w := range ws {
		if dt := p.at.Sub(w.at); dt > d.match || dt < -d.match {
			continue // too far apart: it will settle as one side's
		}
		w.matched = true
		if len(rr.KeptExamples) < d.rep.examples {
			kept := w.ex // the page the new rules send
			if s == updated {
				kept = exampleOf(p)
			}
			rr.KeptExamples = append(rr.KeptExamples, kept)
		}
		if len(ws) == 1 {
			delete(other.unmatched, k)
		} else {
			other.unmatched[k] = append(ws[:i:i], ws[i+1:]...)
		}
		rr.Kept++
		return
	}
	me := d.sides[s]
	w := &waiting{key: k, at: p.at, ex: exampleOf(p)}
	me.queue = append(me.queue, w)
	me.unmatched[k] = append(me.unmatched[k], w)
}

// expire settles the pages no match can come for any more: older than the
// window behind both sides' clocks, or, at the end, all of them.
func (d *differ) expire(all bool) {
	var horizon time.Time
	if !all {
		a, b := d.sides[0].progress, d.sides[1].progress
		if b.Before(a) {
			a = b
		}
		if a.IsZero() {
			return
		}
		horizon = a.Add(-d.match)
	}
	for s, sd := range d.sides {
		for sd.head < len(sd.queue) {
			w := sd.queue[sd.head]
			if !all && !w.at.Before(horizon) {
				break
			}
			sd.queue[sd.head] = nil
			sd.head++
			if w.matched {
				continue
			}
			if ws := sd.unmatched[w.key]; len(ws) > 0 {
				if i := slices.Index(ws, w); i >= 0 {
					if len(ws) == 1 {
						delete(sd.unmatched, w.key)
					} else {
						sd.unmatched[w.key] = append(ws[:i:i], ws[i+1:]...)
					}
				}
			}
			d.settle(s, w)
		}
		if sd.head > 1024 && sd.head*2 > len(sd.queue) {
			sd.queue = append(sd.queue[:0], sd.queue[sd.head:]...)
			sd.head = 0
		}
	}
}

// settle counts w as a page only its side sends.
func (d *differ) settle(s int, w *waiting) {
	rr := d.rep.rule(w.key.rule)
	list, n := &rr.GoneExamples, &rr.Gone
	if s == updated {
		list, n = &rr.AddedExamples, &rr.Added
	}
	*n++
	if len(*list) < d.rep.examples {
		*list = append(*list, w.ex)
	}
}

// Example is a page, as the report shows it: when, where, who and why.
type Example struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	App     string    `json:"app,omitempty"`
	Room    string    `json:"room,omitempty"`
	User    string    `json:"user,omitempty"`
	Task    string    `json:"task,omitempty"`
	Members int       `json:"members,omitempty"` // how many the page lists, of MemberKind
	// MemberKind is what an aggregate page lists: users, tasks or rooms.
	MemberKind string `json:"member_kind,omitempty"`
	Title      string `json:"title"`
	Why        string `json:"why,omitempty"` // the page's why-now line
	Receiver   string `json:"receiver"`
}

func exampleOf(p page) Example {
	n := p.n
	e := Example{At: p.at.UTC(), Kind: string(n.Kind), App: n.Event.App, Room: n.Event.Room, Task: n.Event.Task,
		Title: words.Title(n), Why: words.WhyNow(n), Receiver: n.Receiver.Name}
	if n.Aggregate {
		e.Members, e.MemberKind = max(n.MemberCount, len(n.Members)), string(n.MemberKind)
		if e.MemberKind == "" {
			e.MemberKind = string(alert.MembersUsers)
		}
	} else {
		e.User = n.Event.User
	}
	return e
}
