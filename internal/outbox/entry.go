package outbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// An outbox entry is the notification as Go encoded it when the alert fired
// ("n"), the receiver ("r"), when it was enqueued ("at", Unix ms) and the
// plain fields a script adds from alert state: kind, count, members
// (a JSON list of [name, events] or [name, events, detail], the detail
// MemberDetail wrote), member_count, more, total, total_members, flush,
// dropped, away and population (a threshold's numbers, for Why), and by
// (the clearing event's notification). A notification moved back from the
// dead letters is one full "n".

// decode is decodeEntry with the catalogue's words given back to the codes
// (Options.Words): an entry as a reader renders it.
func (o *Outbox) decode(values map[string]any) (alert.Notification, error) {
	n, err := decodeEntry(values)
	if err == nil {
		o.fill(&n)
	}
	return n, err
}

// fill gives n's codes the catalogue's words, when the outbox has them.
func (o *Outbox) fill(n *alert.Notification) {
	if o.words != nil {
		o.words.Fill(n)
	}
}

// decodeEntry reads an outbox or dead-letter entry into a notification.
func decodeEntry(values map[string]any) (alert.Notification, error) {
	str := func(k string) string { v, _ := values[k].(string); return v }
	num := func(k string) int { v, _ := strconv.Atoi(str(k)); return v }
	if raw := str("page"); raw != "" {
		return legacyPage([]byte(raw)) // Legacy: see legacyPage
	}
	raw := str("n")
	if raw == "" {
		return alert.Notification{}, errors.New("entry has no notification")
	}
	n, err := alert.UnmarshalNotification([]byte(raw))
	if err != nil {
		return alert.Notification{}, err
	}
	if r := str("r"); r != "" {
		if err := decodeReceiver([]byte(r), &n.Receiver); err != nil {
			return alert.Notification{}, err
		}
	}
	if at, err := strconv.ParseInt(str("at"), 10, 64); err == nil {
		n.CreatedAt = time.UnixMilli(at).UTC()
	}
	if k := str("kind"); k != "" {
		n.Kind = alert.Kind(k)
	}
	if c := num("count"); c > 0 {
		n.Count = c
	}
	if m := str("members"); m != "" {
		var listed [][]json.RawMessage
		if err := json.Unmarshal([]byte(m), &listed); err != nil {
			return alert.Notification{}, fmt.Errorf("decode members: %w", err)
		}
		n.Members = make([]alert.Member, 0, len(listed))
		for _, p := range listed {
			if len(p) < 2 {
				return alert.Notification{}, fmt.Errorf("decode members: %d values for a member, want 2 or 3", len(p))
			}
			var mb alert.Member
			if json.Unmarshal(p[0], &mb.Name) != nil {
				// A user id that is all digits went through Lua as a number.
				mb.Name = string(p[0])
			}
			_ = json.Unmarshal(p[1], &mb.Events)
			if len(p) > 2 {
				var detail string
				_ = json.Unmarshal(p[2], &detail)
				mb.Role, mb.Reason, _ = strings.Cut(detail, detailSep)
			}
			n.Members = append(n.Members, mb)
		}
		n.MemberCount = num("member_count")
		n.MembersMore = num("more") + rank(&n.Members)
	}
	n.Total, n.TotalMembers, n.Flush = num("total"), num("total_members"), num("flush")
	if d, a, p := num("dropped"), num("away"), num("population"); d > 0 || a > 0 || p > 0 {
		if n.Why == nil {
			n.Why = &alert.Why{}
		}
		n.Why.Dropped, n.Why.Away, n.Why.Population = d, a, p
	}
	if by := str("by"); by != "" {
		c, err := alert.UnmarshalNotification([]byte(by))
		if err != nil {
			return alert.Notification{}, fmt.Errorf("decode clearing event: %w", err)
		}
		n.ResolvedBy = &c.Event
	}
	return n, nil
}

// decodeReceiver decodes an entry's receiver onto the one its notification
// carries (none, as the fire script writes entries): the fields "r" has replace
// its own.
func decodeReceiver(b []byte, r *alert.Receiver) error {
	if err := json.Unmarshal(b, r); err != nil {
		return fmt.Errorf("decode receiver: %w", err)
	}
	return nil
}

// deliveries decodes stream entries for the dispatcher. An entry that does
// not decode is still handed over, with its error, so it is dead-lettered
// rather than stuck.
// Their ids name part p (see part.id).
func (o *Outbox) deliveries(p part, msgs []redis.XMessage) []alert.Delivery {
	out := make([]alert.Delivery, 0, len(msgs))
	for _, m := range msgs {
		n, err := o.decode(m.Values)
		d := alert.Delivery{ID: p.id(m.ID), Notification: n, Err: err}
		if err != nil {
			d.Raw, _ = json.Marshal(m.Values)
		}
		out = append(out, d)
	}
	return out
}

// MemberDetail is what the fire script keeps of a member beside its name: its
// role and reason, joined by a unit separator, which neither holds (nor a
// newline: the scripts keep a detail before one), or "" when neither is known.
func MemberDetail(role, reason string) string {
	if role == "" && reason == "" {
		return ""
	}
	return detailClean.Replace(role) + detailSep + detailClean.Replace(reason)
}

// detailSep joins a member's role and reason in its detail.
const detailSep = "\x1f"

var detailClean = strings.NewReplacer(detailSep, " ", "\n", " ")

// ListedMembers is how many members one notification names; the rest it
// counts (MembersMore).
const ListedMembers = 20

// rank orders an aggregate's members as a page lists them, most events
// first, then by name, keeps the first ListedMembers and says how many it
// dropped. The fire script lists every member, in no order: ranking and
// truncating is wording, Go's. (Entries enqueued by a hook from before
// came ranked and truncated already: ranking them again changes nothing.)
func rank(members *[]alert.Member) int {
	m := *members
	slices.SortFunc(m, func(a, b alert.Member) int {
		if a.Events != b.Events {
			return cmp.Compare(b.Events, a.Events)
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(m) <= ListedMembers {
		return 0
	}
	*members = slices.Clone(m[:ListedMembers]) // not the whole list behind it
	return len(m) - ListedMembers
}
