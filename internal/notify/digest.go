package notify

import (
	"cmp"
	"slices"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// maxDigestRooms bounds the rooms a digest tells apart (over all its rules):
// a flood of a million distinct rooms must not grow memory with it. Past it,
// room counts read "at least".
const maxDigestRooms = 20000

// digestBuilder counts the pages absorbed into one digest. It lives in its
// lane's goroutine only.
type digestBuilder struct {
	id       string
	examples int // how many to keep
	receiver alert.Receiver
	severity alert.Severity // the most urgent page's
	mentions []string       // that page's receiver's mentions
	d        alert.Digest

	rules     map[string]*ruleTally
	order     []string // rules in order of first page, for stable ties
	bySev     map[alert.Severity]int
	rooms     map[string]struct{}
	tracked   int // room entries held, over rooms and every rule's set
	roomsFull bool
}

type ruleTally struct {
	severity alert.Severity
	pages    int
	rooms    map[string]struct{}
	full     bool
}

// newDigestBuilder starts an empty digest for receiver (its mentions are
// taken from the most urgent page added).
func newDigestBuilder(id string, receiver alert.Receiver, examples int) *digestBuilder {
	receiver.Mentions = nil
	return &digestBuilder{id: id, examples: examples, receiver: receiver, rules: map[string]*ruleTally{},
		bySev: map[alert.Severity]int{}, rooms: map[string]struct{}{}}
}

// add counts one absorbed page.
func (b *digestBuilder) add(n alert.Notification, at time.Time) {
	if b.d.Pages == 0 {
		b.d.Since = at
	}
	if b.d.Pages == 0 || alert.SeverityRank(n.Severity) < alert.SeverityRank(b.severity) {
		b.severity, b.mentions = n.Severity, n.Receiver.Mentions
	}
	b.d.Pages++
	b.d.Until = at
	if n.Kind == alert.KindResolved {
		b.d.Resolved++
	}
	b.bySev[n.Severity]++
	t, ok := b.rules[n.Rule]
	if !ok {
		t = &ruleTally{severity: n.Severity, rooms: map[string]struct{}{}}
		b.rules[n.Rule] = t
		b.order = append(b.order, n.Rule)
	}
	if alert.SeverityRank(n.Severity) < alert.SeverityRank(t.severity) {
		t.severity = n.Severity
	}
	t.pages++
	if n.Event.Room != "" {
		room := n.Event.App + "/" + n.Event.Room
		b.countRoom(b.rooms, room, &b.roomsFull)
		b.countRoom(t.rooms, room, &t.full)
	}
	if len(b.d.Examples) < b.examples {
		b.d.Examples = append(b.d.Examples, alert.DigestExample{PageID: n.PageID(), Kind: n.Kind, Rule: n.Rule,
			// The title as the page had it: a {{.Count}} is the page's count.
			Severity: n.Severity, Title: words.FillCount(n, n.Title), Event: n.Event})
	}
}

func (b *digestBuilder) countRoom(set map[string]struct{}, room string, full *bool) {
	if _, ok := set[room]; ok {
		return
	}
	if b.tracked >= maxDigestRooms {
		*full = true
		return
	}
	set[room] = struct{}{}
	b.tracked++
}

// notification is the digest as it stands, for receiver kind's words.
// mentions are added to its first message only: refreshes must not ping.
func (b *digestBuilder) notification(interval time.Duration, inPlace, final, mentions bool) alert.Notification {
	d := b.d
	d.Examples = slices.Clone(b.d.Examples)
	d.Rooms, d.RoomsAtLeast = len(b.rooms), b.roomsFull
	d.Interval, d.InPlace, d.Final = interval, inPlace, final
	d.ByRule = make([]alert.DigestRule, 0, len(b.order))
	for _, name := range b.order {
		t := b.rules[name]
		d.ByRule = append(d.ByRule, alert.DigestRule{Rule: name, Severity: t.severity, Pages: t.pages,
			Rooms: len(t.rooms), RoomsAtLeast: t.full})
	}
	slices.SortStableFunc(d.ByRule, func(x, y alert.DigestRule) int { return cmp.Compare(y.Pages, x.Pages) })
	for _, s := range append(alert.Severities(), "") {
		if c := b.bySev[s]; c > 0 {
			d.BySeverity = append(d.BySeverity, alert.DigestSeverity{Severity: s, Pages: c})
		}
	}
	r := b.receiver
	if mentions {
		r.Mentions = slices.Clone(b.mentions)
	}
	return alert.Notification{ID: b.id, Kind: alert.KindDigest, Severity: b.severity, Count: d.Pages,
		CreatedAt: d.Since, Receiver: r, Digest: &d}
}
