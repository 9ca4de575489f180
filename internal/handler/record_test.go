package handler

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/state"
	"github.com/hookdev/hook/internal/verify"
)

// fakeRecorder keeps what it is handed.
type fakeRecorder struct{ got []record.Entry }

func (f *fakeRecorder) Record(app string, body []byte, at time.Time) {
	f.got = append(f.got, record.Entry{App: app, Body: body, At: at})
}

// Only a callback answered 200 is recorded: with its app, its body byte for
// byte and the handler's clock; a refused one (signature, replay, invalid)
// or one Redis could not commit (503: TRTC sends it again) is not. The
// recorder is never handed the Sign header.
func TestOnlyAcceptedCallbacksAreRecorded(t *testing.T) {
	valid := fmt.Sprintf(`{"EventGroupId":1,"EventType":104,"CallbackTs":%d,"EventInfo":{"RoomId":1}}`, vectorTime.UnixMilli())
	for _, tc := range []struct {
		name      string
		body      string
		sign      string
		routerErr error
		status    int
		recorded  bool
	}{
		{"accepted", vectorBody, vectorSign, nil, 200, true},
		{"accepted, another body", valid, "", nil, 200, true},
		{"wrong signature", valid, vectorSign, nil, 401, false},
		{"replayed", strings.Replace(valid, fmt.Sprint(vectorTime.UnixMilli()), fmt.Sprint(vectorTime.Add(-time.Hour).UnixMilli()), 1), "", nil, 401, false},
		{"invalid", `{"EventGroupId":1}`, "", nil, 400, false},
		{"not committed", valid, "", errors.New("redis: connection refused"), 503, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := catalogtest.New(t)
			rec := &fakeRecorder{}
			h := New(Config{}, Deps{Router: &fakeRouter{err: tc.routerErr}, Catalog: cat, Store: fakePinger{},
				Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return vectorTime }, Record: rec})
			sign := tc.sign
			if sign == "" {
				sign = verify.Sign([]byte(vectorKey), []byte(tc.body))
			}
			w := serve(h, callbackRequest(vectorApp, sign, tc.body))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if !tc.recorded {
				if len(rec.got) != 0 {
					t.Errorf("recorded %d callbacks, want none", len(rec.got))
				}
				return
			}
			if len(rec.got) != 1 {
				t.Fatalf("recorded %d callbacks, want 1", len(rec.got))
			}
			e := rec.got[0]
			if e.App != vectorApp || string(e.Body) != tc.body || !e.At.Equal(vectorTime) {
				t.Errorf("recorded %s %q at %v, want %s %q at %v", e.App, e.Body, e.At, vectorApp, tc.body, vectorTime)
			}
		})
	}
}

// Recording costs the callback path no allocation: the body is the
// request's own buffer, handed over through a channel.
func TestRecordingAllocatesNothing(t *testing.T) {
	allocs := func(rec Recorder) float64 {
		rdb, _ := redistest.Mini(t)
		cat, rs := exampleRules(t)
		st := state.New(rdb, "hook")
		h := New(Config{}, Deps{Router: engine.New(cat, rs, st, time.Now, nil), Catalog: cat, Store: st,
			Log: slog.New(slog.DiscardHandler), Now: time.Now, Record: rec})
		const runs = 200
		reqs := make([]*http.Request, runs+1)
		ws := make([]*httptest.ResponseRecorder, runs+1)
		for i := range reqs {
			reqs[i], ws[i] = signedRequest(routineBody()), httptest.NewRecorder()
		}
		i := 0
		return testing.AllocsPerRun(runs, func() {
			h.ServeHTTP(ws[i], reqs[i])
			i++
		})
	}
	without := allocs(nil)
	rdb, _ := redistest.Mini(t)
	l, _ := keyspace.NewLayout("hook", 16)
	w := record.NewWriter(rdb, l, record.Options{Now: time.Now}) // not started: the queue holds them
	defer w.Close()
	with := allocs(w)
	if with > without {
		t.Errorf("a recorded callback allocates %.1f times, %.1f without the record", with, without)
	}
}

// A Redis that hangs delays no answer: the record's queue fills, the rest
// is dropped and counted.
func TestHungRedisDelaysNoAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts and never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	hung := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), MaxRetries: -1})
	defer hung.Close()
	reg := prometheus.NewRegistry()
	m := record.NewMetrics(reg)
	l, _ := keyspace.NewLayout("hook", 16)
	w := record.NewWriter(hung, l, record.Options{Now: time.Now, Queue: 8, Batch: 4, FlushEvery: time.Millisecond, Timeout: 3 * time.Second, Metrics: m})
	w.Start()
	rdb, _ := redistest.Mini(t)
	cat, rs := exampleRules(t)
	st := state.New(rdb, "hook")
	h := New(Config{}, Deps{Router: engine.New(cat, rs, st, time.Now, nil), Catalog: cat, Store: st,
		Log: slog.New(slog.DiscardHandler), Now: time.Now, Record: w})
	start := time.Now()
	for range 100 {
		rec := serve(h, signedRequest(routineBody()))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("100 callbacks took %v with the record's Redis hung", took)
	}
	// The writer holds a batch in flight and the queue's 8: the rest dropped.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var queueFull float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if mf.GetName() == "hook_record_dropped_total" && m.GetLabel()[0].GetValue() == "queue_full" {
				queueFull = m.GetCounter().GetValue()
			}
		}
	}
	if queueFull < 100-8-4-4 {
		t.Errorf("queue_full = %v, want the callbacks neither queued nor in flight", queueFull)
	}
	redis.SetLogger(quietRedis{}) // the refused dials below are the point
	ln.Close()
	w.Close() // gives up within the timeout
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// fakeSource serves entries, or fails after n of them.
type fakeSource struct {
	entries []record.Entry
	failAt  int // -1: never
	asked   record.Query
}

func (f *fakeSource) Read(_ context.Context, q record.Query, fn func(record.Entry) error) error {
	f.asked = q
	for i, e := range f.entries {
		if i == f.failAt {
			return errors.New("redis: i/o timeout")
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if f.failAt == len(f.entries) {
		return errors.New("redis: i/o timeout")
	}
	return nil
}

// GET /api/v1/record streams the period as NDJSON behind the admin token,
// ends with a line that says it is whole (or why not), and checks its
// query.
func TestRecordEndpoint(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	entries := []record.Entry{
		{At: now.Add(-time.Hour), App: "1400000001", Body: []byte(`{"EventGroupId":1,"EventType":103}`)},
		{At: now.Add(-time.Minute), App: "1400000001", Body: []byte(`{"EventGroupId":1,"EventType":104}`)},
	}
	for _, tc := range []struct {
		name, path, token string
		failAt            int
		status            int
		want              []string // lines, or a substring of an error answer
		asked             record.Query
	}{
		{"no token", "/api/v1/record", "", -1, 401, []string{"bearer token"}, record.Query{}},
		{"all", "/api/v1/record", "s3cret", -1, 200, []string{
			`{"at":"2026-03-01T11:00:00.000Z","app":"1400000001","body":{"EventGroupId":1,"EventType":103}}`,
			`{"at":"2026-03-01T11:59:00.000Z","app":"1400000001","body":{"EventGroupId":1,"EventType":104}}`,
			`{"end":true,"callbacks":2}`}, record.Query{}},
		{"since", "/api/v1/record?since=2h&app=1400000001&room=8489", "s3cret", -1, 200, nil,
			record.Query{From: now.Add(-2 * time.Hour), App: "1400000001", Room: "8489"}},
		{"from and to", "/api/v1/record?from=2026-03-01T10:00:00Z&to=1772362800000", "s3cret", -1, 200, nil,
			record.Query{From: now.Add(-2 * time.Hour), To: now.Add(-time.Hour)}},
		{"bad from", "/api/v1/record?from=yesterday", "s3cret", -1, 400, []string{"from must be an RFC 3339 time"}, record.Query{}},
		{"since and from", "/api/v1/record?since=1h&from=2026-03-01T10:00:00Z", "s3cret", -1, 400, []string{"not both"}, record.Query{}},
		{"bad since", "/api/v1/record?since=-1h", "s3cret", -1, 400, []string{"positive duration"}, record.Query{}},
		{"to before from", "/api/v1/record?from=2026-03-01T10:00:00Z&to=2026-03-01T09:00:00Z", "s3cret", -1, 400, []string{"before from"}, record.Query{}},
		{"redis down at once", "/api/v1/record", "s3cret", 0, 503, []string{"retry later"}, record.Query{}},
		{"redis gone part way", "/api/v1/record", "s3cret", 1, 200, []string{
			`{"at":"2026-03-01T11:00:00.000Z","app":"1400000001","body":{"EventGroupId":1,"EventType":103}}`,
			`{"error":"redis: i/o timeout"}`}, record.Query{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeSource{entries: entries, failAt: tc.failAt}
			cat, _ := catalog.New()
			h := New(Config{AdminToken: "s3cret"}, Deps{Catalog: cat, Log: slog.New(slog.DiscardHandler),
				Now: func() time.Time { return now }, RecordReader: src})
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			w := serve(h, req)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.status != 200 {
				if !strings.Contains(w.Body.String(), tc.want[0]) {
					t.Errorf("answer %s, want it to say %q", w.Body, tc.want[0])
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/x-ndjson" {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.want != nil {
				var lines []string
				sc := bufio.NewScanner(w.Body)
				for sc.Scan() {
					lines = append(lines, sc.Text())
				}
				if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("stream:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tc.want, "\n"))
				}
			}
			if !src.asked.From.Equal(tc.asked.From) || !src.asked.To.Equal(tc.asked.To) || src.asked.App != tc.asked.App || src.asked.Room != tc.asked.Room {
				t.Errorf("asked %+v, want %+v", src.asked, tc.asked)
			}
		})
	}
	t.Run("off without a token", func(t *testing.T) {
		cat, _ := catalog.New()
		h := New(Config{}, Deps{Catalog: cat, Log: slog.New(slog.DiscardHandler), Now: time.Now, RecordReader: &fakeSource{}})
		w := serve(h, httptest.NewRequest(http.MethodGet, "/api/v1/record", nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("status %d, want 404", w.Code)
		}
	})
}
