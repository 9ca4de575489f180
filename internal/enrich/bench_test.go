package enrich

import (
	"context"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/trtcapi"
)

// BenchmarkDecodeUserEvents decodes a busy user's answer (200 events from two
// peers) and keeps the 10 most relevant.
func BenchmarkDecodeUserEvents(b *testing.B) {
	d := decoder{cat: catalogtest.New(b), maxItems: 10, maxCauses: 5}
	ids := []struct {
		id     int
		p1, p2 int64
	}{{5005, -1, -1}, {4007, 1280, 720}, {32769, -1, -1}, {2001, 1, -1}, {4013, 3, 1}, {6001, 101, 0}, {9999, -1, -1}, {1003, 1, -1}}
	peers := []trtcapi.PeerEvents{{PeerID: "alice"}, {PeerID: "bob"}}
	for i := range 200 {
		x := ids[i%len(ids)]
		p := &peers[i%2]
		p.Events = append(p.Events, trtcapi.UserEvent{Time: eventAt.Add(time.Duration(i) * time.Second), EventID: x.id, ParamOne: x.p1, ParamTwo: x.p2})
	}
	b.ReportAllocs()
	for b.Loop() {
		if items, _ := d.events(peers, eventAt); len(items) != 10 {
			b.Fatal(len(items))
		}
	}
}

// BenchmarkEnrichCached is the cost of a page whose answer is cached.
func BenchmarkEnrichCached(b *testing.B) {
	e := New(cachedAPI{}, catalogtest.New(b), nil, Options{}, nil, func() time.Time { return eventAt.Add(time.Minute) })
	s := Subject{Kind: KindRoom, App: testApp, Room: "461", EventTime: eventAt}
	if _, err := e.Enrich(context.Background(), s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res, err := e.Enrich(context.Background(), s); err != nil || !res.Cached {
			b.Fatal(err)
		}
	}
}

// cachedAPI answers the documented DescribeUnusualEvent example without a network.
type cachedAPI struct{}

func (cachedAPI) DescribeUserEvent(context.Context, trtcapi.UserEventQuery) ([]trtcapi.PeerEvents, error) {
	return nil, nil
}

func (cachedAPI) DescribeUnusualEvent(context.Context, trtcapi.UnusualEventQuery) ([]trtcapi.AbnormalExperience, error) {
	return []trtcapi.AbnormalExperience{{UserID: "itachi3", RoomID: "461", ExperienceID: 4, EventTime: eventAt,
		Events: []trtcapi.AbnormalEvent{{EventID: 2011}, {EventID: 2012, PeerID: "itachili1"}}}}, nil
}

func (cachedAPI) DescribeRoomInfo(context.Context, trtcapi.RoomInfoQuery) ([]trtcapi.RoomState, int, error) {
	return nil, 0, nil
}

func (cachedAPI) DescribeCallDetailInfo(context.Context, trtcapi.CallDetailQuery) (trtcapi.CallDetail, error) {
	return trtcapi.CallDetail{}, nil
}
