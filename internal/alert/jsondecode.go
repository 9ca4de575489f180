package alert

import (
	"encoding/json"
	"fmt"
)

// The readers below decode what AppendJSON writes without encoding/json's
// reflection: the dispatcher decodes every outbox entry, and that was a
// sizeable part of hook's CPU. They take the exact keys of the struct tags
// in notification.go, each at most once, in any order, with any
// whitespace. Anything else (another key or its case, which encoding/json
// matches too; a repeated key, which it merges; null; a number it would
// refuse; invalid UTF-8 it would replace) makes them give up, and the
// whole input goes to encoding/json: the result is always what
// encoding/json gives. jsondecode_test.go holds them to that, and fails
// when they leave what the encoders write to encoding/json: a field added
// to notification.go must be added here, or every entry is decoded slowly.
//
// Decoded strings without escapes are slices of one copy of the input: a
// single allocation, where encoding/json makes one per string. A string
// kept keeps that copy (a notification's size) alive.

// UnmarshalReceiver decodes a receiver as Receiver.AppendJSON or
// encoding/json wrote it.
func UnmarshalReceiver(b []byte) (Receiver, error) {
	r := jsonReader{s: string(b)}
	var rc Receiver
	if r.receiver(&rc) && r.end() {
		return rc, nil
	}
	var fallback Receiver // not rc: json.Unmarshal would move it to the heap
	if err := json.Unmarshal(b, &fallback); err != nil {
		return Receiver{}, fmt.Errorf("decode receiver: %w", err)
	}
	return fallback, nil
}

// decodeNotification is UnmarshalNotification's fast path: ok is false when
// it left s to encoding/json.
func decodeNotification(s string) (n Notification, ok bool) {
	r := jsonReader{s: s}
	if r.notification(&n) && r.end() {
		return n, true
	}
	return Notification{}, false
}

func (r *jsonReader) notification(n *Notification) bool {
	if !r.open('{') {
		return false
	}
	var seen uint32
	for first := true; ; first = false {
		key, done, ok := r.member(first)
		if !ok || done {
			return ok
		}
		var field uint
		switch key {
		case "id":
			field, ok = 0, strInto(r, &n.ID)
		case "kind":
			field, ok = 1, strInto(r, &n.Kind)
		case "rule":
			field, ok = 2, strInto(r, &n.Rule)
		case "severity":
			field, ok = 3, strInto(r, &n.Severity)
		case "event":
			field, ok = 4, r.event(&n.Event)
		case "resolved_by":
			e := new(Event)
			field, ok, n.ResolvedBy = 5, r.event(e), e
		case "title":
			field, ok = 6, strInto(r, &n.Title)
		case "text":
			field, ok = 7, strInto(r, &n.Text)
		case "aggregate":
			n.Aggregate, ok = r.bool()
			field = 8
		case "member_kind":
			field, ok = 9, strInto(r, &n.MemberKind)
		case "members":
			field, ok = 10, r.members(&n.Members)
		case "member_count":
			n.MemberCount, ok = r.int()
			field = 11
		case "members_more":
			n.MembersMore, ok = r.int()
			field = 12
		case "count":
			n.Count, ok = r.int()
			field = 13
		case "total":
			n.Total, ok = r.int()
			field = 14
		case "total_members":
			n.TotalMembers, ok = r.int()
			field = 15
		case "flush":
			n.Flush, ok = r.int()
			field = 16
		case "dedup_key":
			field, ok = 17, strInto(r, &n.DedupKey)
		case "incident":
			field, ok = 18, strInto(r, &n.Incident)
		case "created_at":
			field, ok = 19, r.time(&n.CreatedAt)
		case "retried_at":
			field, ok = 20, r.time(&n.RetriedAt)
		case "receiver":
			field, ok = 21, r.receiver(&n.Receiver)
		case "note":
			field, ok = 22, strInto(r, &n.Note)
		case "enrichment":
			// Added in delivery, seldom: encoding/json decodes it.
			var e *Enrichment
			field, ok, n.Enrichment = 23, r.decodeValue(&e), e
		case "digest":
			var d *Digest
			field, ok, n.Digest = 24, r.decodeValue(&d), d
		case "runbook":
			var rb *Runbook
			field, ok, n.Runbook = 25, r.decodeValue(&rb), rb
		case "why":
			var w *Why
			field, ok, n.Why = 26, r.decodeValue(&w), w
		default:
			return false
		}
		if !ok || seen&(1<<field) != 0 {
			return false
		}
		seen |= 1 << field
	}
}

func (r *jsonReader) event(e *Event) bool {
	if !r.open('{') {
		return false
	}
	var seen uint16
	for first := true; ; first = false {
		key, done, ok := r.member(first)
		if !ok || done {
			return ok
		}
		var field uint
		switch key {
		case "app":
			field, ok = 0, strInto(r, &e.App)
		case "room":
			field, ok = 1, strInto(r, &e.Room)
		case "room_key":
			field, ok = 2, strInto(r, &e.RoomKey)
		case "user":
			field, ok = 3, strInto(r, &e.User)
		case "task":
			field, ok = 4, strInto(r, &e.Task)
		case "codes":
			field, ok = 5, r.codes(&e.Codes)
		case "error_code":
			field, ok = 6, strInto(r, &e.ErrorCode)
		case "error_message":
			field, ok = 7, strInto(r, &e.ErrorMessage)
		case "url":
			field, ok = 8, strInto(r, &e.URL)
		case "time":
			field, ok = 9, r.time(&e.Time)
		case "scene":
			field, ok = 10, strInto(r, &e.Scene)
		default:
			return false
		}
		if !ok || seen&(1<<field) != 0 {
			return false
		}
		seen |= 1 << field
	}
}

func (r *jsonReader) code(c *Code) bool {
	if !r.open('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, done, ok := r.member(first)
		if !ok || done {
			return ok
		}
		var field uint
		switch key {
		case "field":
			field, ok = 0, strInto(r, &c.Field)
		case "label":
			field, ok = 1, strInto(r, &c.Label)
		case "value":
			c.Value, ok = r.int()
			field = 2
		case "name":
			field, ok = 3, strInto(r, &c.Name)
		case "meaning":
			field, ok = 4, strInto(r, &c.Meaning)
		default:
			return false
		}
		if !ok || seen&(1<<field) != 0 {
			return false
		}
		seen |= 1 << field
	}
}

// listedMember reads one of an aggregate's Members.
func (r *jsonReader) listedMember(m *Member) bool {
	if !r.open('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, done, ok := r.member(first)
		if !ok || done {
			return ok
		}
		var field uint
		switch key {
		case "name":
			field, ok = 0, strInto(r, &m.Name)
		case "events":
			m.Events, ok = r.int()
			field = 1
		case "role":
			field, ok = 2, strInto(r, &m.Role)
		case "reason":
			field, ok = 3, strInto(r, &m.Reason)
		default:
			return false
		}
		if !ok || seen&(1<<field) != 0 {
			return false
		}
		seen |= 1 << field
	}
}

func (r *jsonReader) receiver(rc *Receiver) bool {
	if !r.open('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, done, ok := r.member(first)
		if !ok || done {
			return ok
		}
		var field uint
		switch key {
		case "name":
			field, ok = 0, strInto(r, &rc.Name)
		case "kind":
			field, ok = 1, strInto(r, &rc.Kind)
		case "channel":
			field, ok = 2, strInto(r, &rc.Channel)
		case "mentions":
			field, ok = 3, r.mentions(&rc.Mentions)
		default:
			return false
		}
		if !ok || seen&(1<<field) != 0 {
			return false
		}
		seen |= 1 << field
	}
}

// The arrays are read each by its own loop, not by one generic function
// taking the element's reader: calls through a func value would make the
// compiler move the reader and the notification to the heap.
//
// encoding/json makes an empty array an empty slice, not nil; null is
// refused.

func (r *jsonReader) codes(p *[]Code) bool {
	if !r.open('[') {
		return false
	}
	out := []Code{}
	for first := true; ; first = false {
		done, ok := r.element(first)
		if !ok || done {
			*p = out
			return ok
		}
		out = append(out, Code{})
		if !r.code(&out[len(out)-1]) {
			return false
		}
	}
}

func (r *jsonReader) members(p *[]Member) bool {
	if !r.open('[') {
		return false
	}
	out := []Member{}
	for first := true; ; first = false {
		done, ok := r.element(first)
		if !ok || done {
			*p = out
			return ok
		}
		out = append(out, Member{})
		if !r.listedMember(&out[len(out)-1]) {
			return false
		}
	}
}

func (r *jsonReader) mentions(p *[]string) bool {
	if !r.open('[') {
		return false
	}
	out := []string{}
	for first := true; ; first = false {
		done, ok := r.element(first)
		if !ok || done {
			*p = out
			return ok
		}
		m, ok := r.str()
		if !ok {
			return false
		}
		out = append(out, m)
	}
}

// decodeValue has encoding/json decode the next value into *p, a field
// the readers leave to it. It decodes alone what it would have decoded in
// place: the same value, or an error, and then the whole input is its.
func (r *jsonReader) decodeValue(p any) bool {
	raw, ok := r.skip()
	return ok && json.Unmarshal([]byte(raw), p) == nil
}
