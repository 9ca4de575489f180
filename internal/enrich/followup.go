package enrich

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/trtcapi"
)

// FollowUpAt is when the follow-up of a page about kind is due, judged at now.
// event is the paged event's time; dismissed is when the room was dismissed
// (callback 102), zero while it lives as far as hook knows.
//
// A user's follow-up is due FollowUpDelay after the drop: TRTC's data has landed
// by then. A room's waits for the room's dismissal, after which TRTC reports
// the room-dismissal causes, and is due FollowUpDelay after it; while the room
// lives it is due FollowUpDelay from now (the caller asks again then), until
// FollowUpWait after the event, when it goes out anyway. A time at or before
// now means: send it now.
func (e *Enricher) FollowUpAt(kind Kind, event, dismissed, now time.Time) time.Time {
	at := event.Add(e.opts.FollowUpDelay)
	if kind != KindRoom {
		return at
	}
	if !dismissed.IsZero() {
		return latest(at, dismissed.Add(e.opts.FollowUpDelay))
	}
	giveUp := event.Add(e.opts.FollowUpWait)
	next := now.Add(e.opts.FollowUpDelay)
	if next.After(giveUp) {
		next = giveUp
	}
	return latest(at, next)
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// entry adds what the user's room entry (103) said of their client: the
// catalogue's words for its terminal and user type.
func (e *Enricher) entry(ctx context.Context, s Subject, client *ClientInfo, gaps *gapList) {
	if e.opts.Members == nil {
		return
	}
	m, ok, err := e.opts.Members.Member(ctx, s.App, s.roomKey(), s.User)
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil):
		gaps.addReason(DataClient, ReasonTimeout, err)
		return
	case err != nil:
		gaps.addReason(DataClient, ReasonUnreachable, err)
		return
	case !ok:
		gaps.add(DataClient, nil)
		return
	}
	// A callback without the field holds -1 (callback.Absent): nothing to
	// name. Neither known: hook saw the user leave, not enter (the entry
	// came before hook ran, or was lost), and the page says so.
	if m.Terminal < 0 && m.UserType < 0 {
		gaps.add(DataClient, nil)
		return
	}
	if m.Terminal >= 0 {
		client.Terminal = e.decode.cat.Code(catalog.FieldTerminal, 0, m.Terminal).Title
	}
	if m.UserType >= 0 {
		client.UserType = e.decode.cat.Code(catalog.FieldUserType, 0, m.UserType).Title
	}
}

// qualityTypes are the quality metrics a follow-up asks for: the round trip to
// TRTC and the packet loss, audio and video, which is what "the network" is
// when a user drops.
var qualityTypes = []string{"rtt", "aLoss", "bigvLoss"}

// callDetail adds the user's call details (DescribeCallDetailInfo) over the
// window their events were asked for: the SDK version and device TRTC saw, and
// the network's peaks.
func (e *Enricher) callDetail(ctx context.Context, app uint64, s Subject, res Enrichment, client *ClientInfo, gaps *gapList) {
	start, end := res.Start, res.End
	if end.Sub(start) > trtcapi.MaxCallDetailWindow {
		start = end.Add(-trtcapi.MaxCallDetailWindow)
	}
	q := trtcapi.CallDetailQuery{CommID: res.CommID, SdkAppID: app, UserIDs: []string{s.User}, DataTypes: qualityTypes, Start: start, End: end}
	var d trtcapi.CallDetail
	err := e.request(ctx, trtcapi.ActionDescribeCallDetailInfo, func(ctx context.Context) (err error) {
		d, err = e.api.DescribeCallDetailInfo(ctx, q)
		return err
	})
	if ee, ok := trtcapi.AsError(err); ok && ee.Class == trtcapi.ClassNotFound {
		err, d = nil, trtcapi.CallDetail{}
	}
	if err != nil {
		gaps.add(DataCallDetail, err)
		return
	}
	found := false
	if u, ok := pickUser(d.Users, s.User, s.EventTime); ok {
		client.SDKVersion = trtcapi.Bound(u.SDKVersion, maxVersionChars)
		client.Device = trtcapi.Bound(u.DeviceType, maxVersionChars)
		found = client.SDKVersion != "" || client.Device != ""
	}
	if n := network(d.Quality, s.User); n != "" {
		client.Network = n
		found = true
	}
	if !found {
		gaps.add(DataCallDetail, nil)
	}
}

// maxVersionChars bounds an SDK version or device type: TRTC's are short
// ("11.5.0.0", "Android").
const maxVersionChars = 64

// pickUser is user's stay in the call at t: one spanning t (left at most a
// minute before it), else the latest that began before it, else any.
func pickUser(users []trtcapi.CallUser, user string, t time.Time) (trtcapi.CallUser, bool) {
	rank := func(u trtcapi.CallUser) int {
		switch {
		case u.Joined.After(t):
			return 0
		case u.Left.IsZero() || !u.Left.Before(t.Add(-time.Minute)):
			return 2
		}
		return 1
	}
	var best trtcapi.CallUser
	bestRank := -1
	for _, u := range users {
		if u.UserID != user {
			continue
		}
		if r := rank(u); r > bestRank || (r == bestRank && u.Joined.After(best.Joined)) {
			best, bestRank = u, r
		}
	}
	return best, bestRank >= 0
}

// network sums up user's quality data as its peaks, both directions together:
// "rtt max 850 ms, audio loss max 35%, video loss max 12%". "" when TRTC
// reported none.
func network(series []trtcapi.QualitySeries, user string) string {
	peaks := map[string]float64{}
	for _, q := range series {
		if q.UserID != "" && q.UserID != user {
			continue
		}
		for _, p := range q.Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) || p.Value < 0 {
				continue
			}
			if v, ok := peaks[q.DataType]; !ok || p.Value > v {
				peaks[q.DataType] = p.Value
			}
		}
	}
	var parts []string
	if v, ok := peaks["rtt"]; ok {
		parts = append(parts, "rtt max "+number(v)+" ms")
	}
	if v, ok := peaks["aLoss"]; ok {
		parts = append(parts, "audio loss max "+number(v)+"%")
	}
	if v, ok := peaks["bigvLoss"]; ok {
		parts = append(parts, "video loss max "+number(v)+"%")
	}
	return strings.Join(parts, ", ")
}

// number writes v with at most one decimal, and none when it is whole.
func number(v float64) string {
	v = math.Min(v, 1e9) // a hostile answer cannot make the line long
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}
