package enrich

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/trtcapi"
)

// severityKey names an SDK or WebRTC event for the severity table: an id, and the
// first parameter's value where the rows of the id differ by it (anyParam otherwise).
type severityKey struct {
	table catalog.Table
	id    int
	p1    int64
}

const anyParam = -1 << 62

// severities marks the events that explain a failure. The catalogue says what an
// event means; whether it is bad news is this package's judgement, made here once:
// failures, disconnections, time-outs and missing permissions are errors;
// degradations a user may feel are warnings; the rest (state changes, successes)
// is context.
var severities = map[severityKey]Severity{
	{catalog.SDK, 1003, 0}:            SeverityError, // disconnected from the network
	{catalog.SDK, 2002, anyParam}:     SeverityError, // lacks network access or a permission
	{catalog.SDK, 4002, anyParam}:     SeverityError, // failed to enable a camera
	{catalog.SDK, 4011, anyParam}:     SeverityError, // failed to start the hardware decoder
	{catalog.SDK, 4013, anyParam}:     SeverityError, // decoding failed
	{catalog.SDK, 5002, 0}:            SeverityError, // failed to obtain IP address info
	{catalog.SDK, 5003, 0}:            SeverityError, // failed to enter room
	{catalog.SDK, 5005, anyParam}:     SeverityError, // connection to CVM timed out
	{catalog.SDK, 5008, 0}:            SeverityError, // failed to exit room
	{catalog.SDK, 7001, 1}:            SeverityError, // exited: timed out
	{catalog.SDK, 7001, 2}:            SeverityError, // exited: kicked out
	{catalog.WebRTC, 36864, anyParam}: SeverityError, // signaling disconnected (backend)
	{catalog.WebRTC, 32790, anyParam}: SeverityError, // signaling disconnected
	{catalog.WebRTC, 32792, anyParam}: SeverityError, // media channel disconnected

	{catalog.SDK, 1002, 0}:        SeverityWarning, // Bluetooth earphone disconnected
	{catalog.SDK, 2001, 1}:        SeverityWarning, // app went to the background
	{catalog.SDK, 3001, 2}:        SeverityWarning, // mic capturing disabled
	{catalog.SDK, 4010, 1}:        SeverityWarning, // RPS disabled: poor performance or network
	{catalog.SDK, 4012, anyParam}: SeverityWarning, // fell back to the software decoder
	{catalog.SDK, 7000, 1}:        SeverityWarning, // entered the room again
}

func severityOf(t catalog.Table, id int, p1 int64, known bool) Severity {
	if s, ok := severities[severityKey{t, id, p1}]; ok {
		return s
	}
	if s, ok := severities[severityKey{t, id, anyParam}]; ok {
		return s
	}
	if !known {
		// An id TRTC added after the catalogue was written: worth a look.
		return SeverityWarning
	}
	return SeverityInfo
}

// decoder turns API answers into page items through the catalogue.
type decoder struct {
	cat       *catalog.Catalog
	maxItems  int
	maxCauses int
}

// eventTable picks the table of a DescribeUserEvent id: SDK ids have four digits,
// WebRTC ids five. A documented id decides by itself.
func (d decoder) eventTable(id int) catalog.Table {
	return d.tableOf(id, catalog.SDK, catalog.WebRTC, 10000)
}

// causeTable picks the table of an abnormal event id: 1001-1032 room dismissal,
// 2001-2026 real time.
func (d decoder) causeTable(id int) catalog.Table {
	return d.tableOf(id, catalog.Dismissal, catalog.Realtime, 2000)
}

// tableOf is the table of id of the two that share its numbers: the one that
// documents it, else low below from and high from there on.
func (d decoder) tableOf(id int, low, high catalog.Table, from int) catalog.Table {
	switch {
	case d.cat.Known(low, id):
		return low
	case d.cat.Known(high, id):
		return high
	case id >= from:
		return high
	}
	return low
}

func (d decoder) event(peer string, ev trtcapi.UserEvent) ClientEvent {
	t := d.eventTable(ev.EventID)
	m := d.cat.Decode(t, ev.EventID, ev.ParamOne, ev.ParamTwo)
	ce := ClientEvent{
		Time: ev.Time, PeerID: trtcapi.Bound(peer, maxClientChars), StreamType: ev.Type,
		Table: string(t), ID: ev.EventID, Param1: ev.ParamOne, Param2: ev.ParamTwo,
		Known: m.Known, Fallback: m.Fallback,
		Severity: severityOf(t, ev.EventID, ev.ParamOne, m.Known),
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(ev.EventID))
	b.WriteByte(' ')
	if m.Known {
		ce.Name = m.Text
		b.WriteString(m.Text)
	} else {
		ce.Name = "unknown " + string(t) + " event"
		b.WriteString(ce.Name)
	}
	for i, p := range m.Params {
		ce.Params = append(ce.Params, Param{Name: p.Name, Value: p.Value})
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(p.Name + " " + strconv.FormatInt(p.Value, 10))
		if i == len(m.Params)-1 {
			b.WriteByte(')')
		}
	}
	if m.Fallback || (!m.Known && (ev.ParamOne != -1 || ev.ParamTwo != -1)) {
		b.WriteString(" [parameters " + strconv.FormatInt(ev.ParamOne, 10) + ", " + strconv.FormatInt(ev.ParamTwo, 10) + " not documented]")
	}
	ce.Text = trtcapi.Bound(b.String(), maxTextChars)
	return ce
}

// events keeps the d.maxItems events most relevant to at (errors first, then
// warnings, then the rest; nearest first within each), decodes them, and reports
// how many were left out. Exact repeats count once. Only kept events are decoded
// into text: a busy user reports hundreds.
func (d decoder) events(peers []trtcapi.PeerEvents, at time.Time) ([]ClientEvent, int) {
	type candidate struct {
		severity Severity
		distance time.Duration
		order    int // arrival, the last tie-break: the sort is deterministic
		peer     string
		ev       trtcapi.UserEvent
	}
	type seenKey struct {
		peer       string
		id, typ    int
		p1, p2, ms int64
	}
	total := 0
	for _, pe := range peers {
		total += len(pe.Events)
	}
	seen := make(map[seenKey]bool, total)
	all := make([]candidate, 0, total)
	for _, pe := range peers {
		for _, ev := range pe.Events {
			k := seenKey{pe.PeerID, ev.EventID, ev.Type, ev.ParamOne, ev.ParamTwo, ev.Time.UnixMilli()}
			if seen[k] {
				continue
			}
			seen[k] = true
			t := d.eventTable(ev.EventID)
			all = append(all, candidate{
				severity: severityOf(t, ev.EventID, ev.ParamOne, d.cat.Known(t, ev.EventID)),
				distance: distance(ev.Time, at), order: len(all), peer: pe.PeerID, ev: ev,
			})
		}
	}
	slices.SortFunc(all, func(a, b candidate) int {
		if c := cmp.Compare(b.severity, a.severity); c != 0 {
			return c
		}
		if c := cmp.Compare(a.distance, b.distance); c != 0 {
			return c
		}
		if c := a.ev.Time.Compare(b.ev.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	omitted := 0
	if len(all) > d.maxItems {
		omitted = len(all) - d.maxItems
		all = all[:d.maxItems]
	}
	out := make([]ClientEvent, 0, len(all))
	for _, c := range all {
		out = append(out, d.event(c.peer, c.ev))
	}
	return out, omitted
}

func distance(t, at time.Time) time.Duration {
	if dd := t.Sub(at); dd >= 0 {
		return dd
	}
	return at.Sub(t)
}

func (d decoder) cause(ev trtcapi.AbnormalEvent) Cause {
	t := d.causeTable(ev.EventID)
	m := d.cat.Decode(t, ev.EventID, -1, -1)
	c := Cause{Table: string(t), ID: ev.EventID, PeerID: trtcapi.Bound(ev.PeerID, maxClientChars), Known: m.Known}
	if m.Known {
		c.Name = m.Text
	} else {
		c.Name = "unknown " + string(t) + " event"
	}
	c.Text = trtcapi.Bound(strconv.Itoa(ev.EventID)+" "+c.Name, maxTextChars)
	return c
}

func (d decoder) experience(x trtcapi.AbnormalExperience) Experience {
	m := d.cat.Decode(catalog.Experience, x.ExperienceID, -1, -1)
	e := Experience{
		Time: x.EventTime, UserID: trtcapi.Bound(x.UserID, maxClientChars), RoomID: trtcapi.Bound(x.RoomID, maxClientChars),
		ID: x.ExperienceID, Known: m.Known, Count: 1,
	}
	if m.Known {
		e.Name = m.Text
	} else {
		e.Name = "unknown experience"
	}
	for _, ev := range x.Events {
		e.Causes = append(e.Causes, d.cause(ev))
	}
	// Room-dismissal causes say why; real-time ones describe the symptom.
	slices.SortStableFunc(e.Causes, func(a, b Cause) int {
		return first(a.Table == string(catalog.Dismissal), b.Table == string(catalog.Dismissal))
	})
	if len(e.Causes) > d.maxCauses {
		e.CausesOmitted = len(e.Causes) - d.maxCauses
		e.Causes = e.Causes[:d.maxCauses:d.maxCauses]
	}
	var b strings.Builder
	b.WriteString("experience " + strconv.Itoa(e.ID) + " " + e.Name)
	for i, c := range e.Causes {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(c.Text)
		if c.PeerID != "" {
			b.WriteString(" (from " + c.PeerID + ")")
		}
	}
	if e.CausesOmitted > 0 {
		b.WriteString("; " + strconv.Itoa(e.CausesOmitted) + " more")
	}
	e.Text = trtcapi.Bound(b.String(), maxTextChars)
	return e
}

// experiences decodes, merges identical reports (TRTC repeats an experience minute
// by minute), and keeps the d.maxItems most relevant: the subject's user first, then
// those with room-dismissal causes, then the most causes, then the latest.
func (d decoder) experiences(xs []trtcapi.AbnormalExperience, user string) ([]Experience, int) {
	index := map[string]int{}
	var all []Experience
	for _, x := range xs {
		e := d.experience(x)
		key := experienceKey(x)
		if i, ok := index[key]; ok {
			all[i].Count++
			if e.Time.After(all[i].Time) {
				all[i].Time = e.Time
			}
			continue
		}
		index[key] = len(all)
		all = append(all, e)
	}
	hasDismissal := func(e Experience) bool {
		return slices.ContainsFunc(e.Causes, func(c Cause) bool { return c.Table == string(catalog.Dismissal) })
	}
	slices.SortStableFunc(all, func(a, b Experience) int {
		if c := first(a.UserID == user && user != "", b.UserID == user && user != ""); c != 0 {
			return c
		}
		if c := first(hasDismissal(a), hasDismissal(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(len(b.Causes)+b.CausesOmitted, len(a.Causes)+a.CausesOmitted); c != 0 {
			return c
		}
		return b.Time.Compare(a.Time)
	})
	if len(all) > d.maxItems {
		return all[:d.maxItems:d.maxItems], len(all) - d.maxItems
	}
	return all, 0
}

func experienceKey(x trtcapi.AbnormalExperience) string {
	causes := make([]string, 0, len(x.Events))
	for _, ev := range x.Events {
		causes = append(causes, strconv.Itoa(ev.EventID)+"/"+ev.PeerID)
	}
	slices.Sort(causes)
	return x.UserID + "\x00" + x.RoomID + "\x00" + strconv.Itoa(x.ExperienceID) + "\x00" + strings.Join(causes, ",")
}

// first orders items for which the predicate holds before the others.
func first(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
