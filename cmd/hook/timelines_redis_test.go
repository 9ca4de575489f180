package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/settings"
	"github.com/hookdev/hook/internal/simulate"
	"github.com/hookdev/hook/internal/state"
)

// TestTimelinesSignedAgainstRedis: every testdata timeline, sent to a real
// server (the embedded example rules, a real redis-server, the default 16
// partitions) as signed HTTP callbacks with fresh timestamps, pages exactly
// what `hook test --sequence` pages for it: the same rules, the same
// titles, and what TestTimelinesUnderSceneRules expects.
//
// The server runs on the test's clock, which moves to each callback's time
// (and to each due timer's on the way) only once the server has done what
// the moment before asked: the room population written, due timers fired,
// pages delivered. Every wait is on such a condition, so a loaded machine
// makes the test slower, never wrong.
//
// The pages' why-now numbers are those of the rehearsal where the rule
// judges a room's share, or waits (`for`); an app's count is read every
// few seconds, so call-app-incident's numbers may be a refresh behind
// here (the test plays a minute in less), never its pages.
func TestTimelinesSignedAgainstRedis(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t) // one redis-server; a database per timeline
	cat, rs := exampleRules(t)
	for i, tl := range simulate.Timelines() {
		t.Run(tl.File, func(t *testing.T) {
			t.Parallel()
			bodies := timelineBodies(t, filepath.Join("testdata", "timelines", tl.File))
			var events []callback.Event
			for _, b := range bodies {
				ev, err := callback.Decode(tl.App, b)
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, ev)
			}
			steps, err := rehearsal.Run(context.Background(), cat, rs, events, rehearsal.Settle)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, st := range steps {
				for _, n := range st.Pages {
					want = append(want, n.Rule+": ["+strings.ToUpper(string(n.Severity))+"] "+words.Title(n))
				}
			}
			if total := len(want); total != sum(timelinePages[tl.File]) {
				t.Fatalf("the rehearsal pages %d times, the timeline expects %v", total, timelinePages[tl.File])
			}
			db := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr, DB: i + 1})
			defer db.Close()
			got := playSigned(t, db, tl.App, bodies)
			t.Logf("paged: %q", got)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("the server paged\n  %s\nthe rehearsal\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// timelineBodies reads a timeline file's callback bodies, as written.
func timelineBodies(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out
}

// restamp moves a body's times (CallbackTs, EventInfo's EventMsTs and
// EventTs) by shift: the same callback, sent later.
func restamp(t *testing.T, body []byte, shift time.Duration) []byte {
	t.Helper()
	var b map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		t.Fatal(err)
	}
	move := func(m map[string]any, k string, unit time.Duration) {
		if n, ok := m[k].(json.Number); ok {
			v, err := n.Int64()
			if err != nil {
				t.Fatal(err)
			}
			m[k] = v + int64(shift/unit)
		}
	}
	move(b, "CallbackTs", time.Millisecond)
	info, _ := b["EventInfo"].(map[string]any)
	move(info, "EventMsTs", time.Millisecond)
	move(info, "EventTs", time.Second)
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pageRE finds each page on the console: its title line, then its rule line.
var pageRE = regexp.MustCompile(`(?m)^(\[[A-Z]+\] .*)\n(?:  .*\n)*?  rule ([a-z0-9-]+) `)

// playSigned starts a server on db, on a clock of the test's, and sends it
// bodies as app, signed, each at its own time shifted to now; then lets an
// hour pass. It returns the pages the server printed, as "rule: title".
func playSigned(t *testing.T, db *redis.Client, app string, bodies [][]byte) []string {
	t.Helper()
	ctx := context.Background()
	if err := db.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	const key = "timelines-signed-key"
	first, err := callback.Decode(app, bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	// Fresh timestamps: the timeline as if it began now.
	start := time.Now().Truncate(time.Second)
	shift := start.Sub(time.UnixMilli(first.EventMs))
	clock := &testClock{now: start}
	srv := startServeWith(t, map[string]string{
		"TRTC_CALLBACK_KEY": key, // the example's apps have no keys of their own
		"HOOK_REDIS_URL":    fmt.Sprintf("redis://%s/%d", db.Options().Addr, db.Options().DB),
	}, &serveHooks{now: clock.Now})
	st, err := state.NewPartitioned(db, keyPrefix, state.Options{Partitions: settings.DefaultPartitions})
	if err != nil {
		t.Fatal(err)
	}
	layout := st.Layout()
	ob := outbox.New(db, layout, outbox.Options{})

	// delivered waits until every page enqueued so far has been printed.
	delivered := func() {
		t.Helper()
		waitFor(t, time.Minute, "the outbox delivered", func() bool {
			s, err := ob.OutboxStats(ctx, clock.Now())
			return err == nil && s.Depth == 0
		})
	}
	// until moves the clock to at, firing every timer due on the way at
	// its own time, as the server's ticker would had the time passed.
	until := func(at time.Time) {
		t.Helper()
		for {
			delivered()
			due, ok, err := st.NextDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !ok || due.After(at) {
				break
			}
			clock.set(due)
			waitFor(t, time.Minute, "the due timers fired", func() bool {
				next, ok, err := st.NextDue(ctx)
				return err == nil && (!ok || next.After(clock.Now()))
			})
		}
		clock.set(at)
	}
	// present is who is in each room, as the callbacks sent say.
	present := map[string]map[string]bool{}
	populated := func(ev callback.Event) {
		t.Helper()
		room := population.Key(layout.Partition(layout.PartitionOf(ev.AppID, ev.RoomID)), ev.AppID, ev.RoomKey())
		want := present[ev.RoomKey()]
		waitFor(t, time.Minute, "room "+ev.RoomID+"'s population written", func() bool {
			users, err := db.HKeys(ctx, room).Result()
			if err != nil || len(users) != len(want) {
				return false
			}
			for _, u := range users {
				if !want[u] {
					return false
				}
			}
			return true
		})
	}

	for _, raw := range bodies {
		body := restamp(t, raw, shift)
		ev, err := callback.Decode(app, body)
		if err != nil {
			t.Fatal(err)
		}
		until(ev.EventTime())
		if code, answer := postBody(t, srv.url, app, key, body); code != http.StatusOK {
			t.Fatalf("%s: answer %d %s", body, code, answer)
		}
		if ev.Group == 1 && ev.Type >= 102 && ev.Type <= 104 {
			room := present[ev.RoomKey()]
			if room == nil {
				room = map[string]bool{}
				present[ev.RoomKey()] = room
			}
			switch ev.Type {
			case 103:
				room[ev.UserID] = true
			case 104:
				delete(room, ev.UserID)
			case 102:
				clear(room)
			}
			// What comes next counts shares of the room as it is now.
			populated(ev)
		}
	}
	until(clock.Now().Add(rehearsal.Settle))
	delivered()
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, m := range pageRE.FindAllStringSubmatch(srv.stdout.String(), -1) {
		pages = append(pages, m[2]+": "+m[1])
	}
	if n := strings.Count(srv.stdout.String(), "\n  rule "); n != len(pages) {
		t.Fatalf("%d pages printed, %d read:\n%s", n, len(pages), srv.stdout.String())
	}
	if strings.Contains(srv.stderr.String(), "level=ERROR") {
		t.Errorf("the server logged errors:\n%s", srv.stderr.String())
	}
	return pages
}
