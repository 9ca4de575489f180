package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/settings"
)

// nightStep is one callback of a short night, at an offset from its start.
type nightStep struct {
	at   time.Duration
	typ  int
	room int
	user string
	role int
}

// shortNight is a night in seconds: churn in room 9110 (6 of its 20
// viewers time out within 2 s, one comes back) and an outage in room 9130
// (8 of its 10 users, both anchors among them, time out within a second),
// for rules whose windows are seconds long.
func shortNight() []nightStep {
	var steps []nightStep
	for i := range 20 {
		role := 21
		if i == 0 {
			role = 20
		}
		steps = append(steps, nightStep{time.Duration(i) * 10 * time.Millisecond, 103, 9110, "viewer" + strconv.Itoa(i), role})
	}
	for i := range 10 {
		role := 21
		if i < 2 {
			role = 20
		}
		steps = append(steps, nightStep{200*time.Millisecond + time.Duration(i)*10*time.Millisecond, 103, 9130, "user" + strconv.Itoa(i), role})
	}
	for i := range 6 {
		steps = append(steps, nightStep{500*time.Millisecond + time.Duration(i)*300*time.Millisecond, 104, 9110, "viewer" + strconv.Itoa(10+i), 21})
	}
	steps = append(steps, nightStep{1200 * time.Millisecond, 103, 9110, "viewer10", 21})
	for i := range 8 {
		role := 21
		if i < 2 {
			role = 20
		}
		steps = append(steps, nightStep{2500*time.Millisecond + time.Duration(i)*100*time.Millisecond, 104, 9130, "user" + strconv.Itoa(i), role})
	}
	return steps
}

// play posts steps to a server as TRTC would: each at its time, stamped
// with it.
func play(t *testing.T, url string, steps []nightStep) int {
	t.Helper()
	start := time.Now()
	for _, st := range steps {
		time.Sleep(time.Until(start.Add(st.at)))
		info := map[string]any{"RoomId": st.room, "UserId": st.user, "Role": st.role, "Reason": 1}
		if st.typ == 104 {
			info["Reason"] = 2
		} else {
			info["TerminalType"], info["UserType"] = 2, 3
		}
		if code, resp := postBody(t, url, "1400000001", e2eKey, callbackBody(1, st.typ, info)); code != 200 {
			t.Fatalf("%v: %d %s", st, code, resp)
		}
	}
	return len(steps)
}

// e2eKey is the callback key of the end-to-end runs: the record never
// holds it, nor any Sign made with it.
const e2eKey = "e2e-secret-callback-key"

// e2eRules are the rules of the end-to-end runs: the example's room outage,
// as a team might have it.
const e2eRules = `receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: room-outage
    match: {event: room.exit, reason: [timeout, force_closed]}
    threshold: {count: 5, within: 10s, per: "{{.App}}/{{.RoomKey}}"}
    for: 2s
    clear: {event: room.enter}
    title: "Users dropping out of room {{.Room}}"
    continue: true
  - name: anchor-dropped
    match: {event: room.exit, reason: [timeout, force_closed], role: anchor}
    for: 3s
    clear: {event: room.enter}
inhibit:
  - source: {rule: room-outage}
    target: {rule: anchor-dropped}
    equal: [app, room]
`

// e2eTuned is e2eRules with the room outage tuned to the room's size: a
// share of the room as well as a count.
var e2eTuned = strings.Replace(e2eRules, "threshold: {count: 5, within:", "threshold: {count: 5, share: 50%, within:", 1)

// TestBacktestEndToEnd records a short night on a running server (churn in
// one room, an outage in another), then asks hook backtest what the tuned
// rules would have paged: through the admin API on the in-process Redis,
// and from HOOK_REDIS_URL on a real redis-server. The churn page goes, the
// outage page stays (its anchors' pages held back under both); the export
// is a timeline hook test --sequence reads, and replayed with --input it
// says the same. (docs/tuning-rules.md tells a real night's story, on a
// simulated clock: TestTuningRulesWalkthrough.)
func TestBacktestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	rulesFile, tunedFile := filepath.Join(dir, "rules.yaml"), filepath.Join(dir, "tuned.yaml")
	for f, src := range map[string]string{rulesFile: e2eRules, tunedFile: e2eTuned} {
		if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range []string{"admin API", "HOOK_REDIS_URL"} {
		t.Run(mode, func(t *testing.T) {
			env := map[string]string{"TRTC_CALLBACK_KEY": e2eKey, "HOOK_RULES": rulesFile, "HOOK_ADMIN_TOKEN": "admin-secret"}
			var rdb *redis.Client
			if mode == "HOOK_REDIS_URL" {
				rdb = redistest.Start(t)
				env["HOOK_REDIS_URL"] = "redis://" + rdb.Options().Addr
			}
			srv := startServe(t, env)
			posted := play(t, srv.url, shortNight())
			waitFor(t, 10*time.Second, "the record to hold every callback", func() bool {
				_, m := get(t, srv.url+"/metrics")
				return metricValue(m, "hook_record_written_total", "") == float64(posted)
			})
			if rdb != nil {
				// What the record holds: the app and the body, nothing else.
				keys, err := rdb.Keys(context.Background(), "*:record").Result()
				if err != nil || len(keys) < 8 {
					t.Fatalf("record streams %v, %v: want them spread over the partitions", keys, err)
				}
				for _, k := range keys {
					msgs, _ := rdb.XRange(context.Background(), k, "-", "+").Result()
					for _, m := range msgs {
						// One field: the batch, the apps and bodies of its callbacks.
						d, _ := m.Values["d"].(string)
						if len(m.Values) != 1 || !strings.Contains(d, "1400000001") || strings.Contains(d, e2eKey) || strings.Contains(d, "Sign") {
							t.Fatalf("record entry %q", m.Values)
						}
					}
				}
			}
			cli := map[string]string{"HOOK_RULES": rulesFile}
			if mode == "admin API" {
				cli["HOOK_URL"], cli["HOOK_ADMIN_TOKEN"] = srv.url, "admin-secret"
			} else {
				cli["HOOK_REDIS_URL"] = env["HOOK_REDIS_URL"]
			}
			out, errOut, err := hookRun(t, cli, "backtest", "--rules", tunedFile, "--since", "1h")
			if err != nil {
				t.Fatalf("%v\n%s%s", err, out, errOut)
			}
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`Replayed \d+ callbacks`),
				regexp.MustCompile(`(?m)^room-outage +2 +1 +-1$`),
				regexp.MustCompile(`(?m)^anchor-dropped +0 +0 +=$`),
				regexp.MustCompile(`(?m)^room-outage: 1 page no longer sent, 1 kept$`),
				regexp.MustCompile(`(?m)^  - \S+ \S+  room 9110  5 users: Users dropping out of room 9110 \(6 users dropped within 10s; 5 still away after 2s\)$`),
			} {
				if !want.MatchString(out) {
					t.Errorf("the report lacks %s:\n%s", want, out)
				}
			}
			if n := regexp.MustCompile(`Replayed (\d+) callbacks`).FindStringSubmatch(out); n == nil || n[1] != strconv.Itoa(posted) {
				t.Errorf("replayed %v, posted %d", n, posted)
			}

			js, _, err := hookRun(t, cli, "backtest", "--rules", tunedFile, "--since", "1h", "--json")
			if err != nil {
				t.Fatal(err)
			}
			var rep struct {
				Callbacks int `json:"callbacks"`
				Rules     []struct {
					Rule                     string
					Current, New, Gone, Kept int
				} `json:"rules"`
			}
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatalf("%v: %s", err, js)
			}
			if rep.Callbacks != posted || len(rep.Rules) != 2 || rep.Rules[0].Gone != 1 || rep.Rules[0].Kept != 1 {
				t.Errorf("JSON report %+v", rep)
			}

			// The outage kept as a timeline: hook test --sequence reads it,
			// and hook backtest --input replays it as the record.
			kept := filepath.Join(t.TempDir(), "outage.json")
			if _, errOut, err := hookRun(t, cli, "backtest", "--export", kept, "--since", "1h", "--room", "9130"); err != nil {
				t.Fatalf("export: %v %s", err, errOut)
			}
			seq, _, err := hookRun(t, map[string]string{}, "test", "--sequence", "--rules", tunedFile, kept)
			if err != nil || !strings.Contains(seq, "1 page(s) in all") || !strings.Contains(seq, "room-outage") {
				t.Errorf("hook test --sequence on the export: %v\n%s", err, seq)
			}
			fromFile, _, err := hookRun(t, cli, "backtest", "--rules", tunedFile, "--input", kept)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`(?m)^room-outage +1 +1 +=$`).MatchString(fromFile) {
				t.Errorf("the export replayed:\n%s", fromFile)
			}
		})
	}
}

// A NEW.yaml that does not check gets the errors hook check prints, exit
// 1, and nothing is replayed: not even the server is asked.
func TestBacktestRefusesRulesThatDoNotCheck(t *testing.T) {
	bad := "../../internal/rules/testdata/bad/wrong_type.yaml"
	_, checkErr := runHook(func(string) string { return "" }, "check", "--rules", bad)
	var want cli.Exit
	if !errors.As(checkErr, &want) || want.Code != 1 {
		t.Fatalf("hook check: %v", checkErr)
	}
	asked := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked = true }))
	defer srv.Close()
	out, errOut, err := hookRun(t, map[string]string{"HOOK_URL": srv.URL, "HOOK_ADMIN_TOKEN": "t"}, "backtest", "--rules", bad)
	var got cli.Exit
	if !errors.As(err, &got) || got.Code != 1 || got.Msg != want.Msg {
		t.Errorf("hook backtest: %v (%q %q), want exit 1 with hook check's errors:\n%s", err, out, errOut, want.Msg)
	}
	if asked {
		t.Error("the record was read for rules that do not check")
	}
}

// Flags: what is asked, and what is refused before anything runs.
func TestBacktestFlags(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		err  string
		want func(c settings.Backtest) bool
	}{
		{"default: the record's day", []string{"--rules", "n.yaml"}, nil, "",
			func(c settings.Backtest) bool {
				return c.From.Equal(now.Add(-24*time.Hour)) && c.To.IsZero() && c.Current == ""
			}},
		{"since", []string{"--rules", "n.yaml", "--since", "2h"}, nil, "", func(c settings.Backtest) bool { return c.From.Equal(now.Add(-2 * time.Hour)) }},
		{"a window", []string{"--rules", "n.yaml", "--from", "2026-03-01T20:00:00Z", "--to", "2026-03-01 22:00"}, nil, "",
			func(c settings.Backtest) bool {
				return c.From.Equal(now.Add(-12*time.Hour)) && c.To.Equal(now.Add(-10*time.Hour))
			}},
		{"narrowed", []string{"--rules", "n.yaml", "--app", "1400000002", "--room", "9130", "--json"}, nil, "",
			func(c settings.Backtest) bool {
				return c.App == "1400000002" && c.Room == "9130" && c.JSON && c.DefaultApp == "1400000002"
			}},
		{"current from HOOK_RULES", []string{"--rules", "n.yaml"}, map[string]string{"HOOK_RULES": "cur.yaml"}, "",
			func(c settings.Backtest) bool { return c.Current == "cur.yaml" }},
		{"a file has no default window", []string{"--rules", "n.yaml", "--input", "f.json"}, nil, "",
			func(c settings.Backtest) bool { return c.From.IsZero() && c.DefaultApp == "1400000001" }},
		{"--url wins over HOOK_REDIS_URL", []string{"--rules", "n.yaml", "--url", "http://h:1"}, map[string]string{"HOOK_REDIS_URL": "redis://r"}, "",
			func(c settings.Backtest) bool { return c.URLGiven && c.URL == "http://h:1" }},
		{"no rules", []string{"--since", "1h"}, nil, "say which rules to compare", nil},
		{"since and from", []string{"--rules", "n.yaml", "--since", "1h", "--from", "2026-03-01T00:00:00Z"}, nil, "not both", nil},
		{"bad time", []string{"--rules", "n.yaml", "--from", "yesterday"}, nil, `--from "yesterday" is not a time`, nil},
		{"backwards", []string{"--rules", "n.yaml", "--from", "2026-03-01T20:00:00Z", "--to", "2026-03-01T19:00:00Z"}, nil, "--to is before --from", nil},
		{"export and input", []string{"--export", "a.json", "--input", "b.json"}, nil, "not both", nil},
		{"export replays nothing", []string{"--export", "a.json", "--rules", "n.yaml"}, nil, "replays nothing", nil},
		{"stray argument", []string{"--rules", "n.yaml", "x.yaml"}, nil, `unexpected argument "x.yaml"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := settings.ParseBacktest(tc.args, func(k string) string { return tc.env[k] }, now)
			if tc.err != "" {
				var e cli.Exit
				if !errors.As(err, &e) || e.Code != 2 || !strings.Contains(e.Msg, tc.err) {
					t.Errorf("error %v, want exit 2 saying %q", err, tc.err)
				}
				return
			}
			if err != nil || !tc.want(c) {
				t.Errorf("%+v, %v", c, err)
			}
		})
	}
}

// Without HOOK_REDIS_URL or HOOK_ADMIN_TOKEN there is no record to read,
// and the command says where to find one.
func TestBacktestNeedsARecord(t *testing.T) {
	_, _, err := hookRun(t, map[string]string{}, "backtest", "--rules", "../../rules.example.yaml")
	var e cli.Exit
	if !errors.As(err, &e) || e.Code != 2 || !strings.Contains(e.Msg, "HOOK_REDIS_URL") || !strings.Contains(e.Msg, "HOOK_ADMIN_TOKEN") {
		t.Errorf("%v", err)
	}
}

// A timeline has no SdkAppId: a period of two apps is exported one app at
// a time, and the file is written whole or not at all.
func TestBacktestExportOneApp(t *testing.T) {
	at := time.Now().Add(-time.Minute)
	var stream []byte
	for i, app := range []string{"1400000001", "1400000002", "1400000001"} {
		body := callbackBody(1, 103, map[string]any{"RoomId": 9000 + i, "UserId": "u"})
		stream = record.AppendLine(stream, record.Entry{At: at, App: app, Body: body})
	}
	stream = record.AppendEnd(stream, 3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		var out []byte
		lr := record.NewLineReader(bytes.NewReader(stream))
		n := 0
		for {
			e, ok, _ := lr.Next()
			if !ok {
				break
			}
			if app := r.URL.Query().Get("app"); app == "" || app == e.App {
				out = record.AppendLine(out, e)
				n++
			}
		}
		w.Write(record.AppendEnd(out, n))
	}))
	defer srv.Close()
	env := map[string]string{"HOOK_URL": srv.URL, "HOOK_ADMIN_TOKEN": "t"}
	file := filepath.Join(t.TempDir(), "night.json")
	_, _, err := hookRun(t, env, "backtest", "--export", file)
	var e cli.Exit
	if !errors.As(err, &e) || e.Code != 1 || !strings.Contains(e.Msg, "more than one app") || !strings.Contains(e.Msg, "--app") {
		t.Errorf("%v", err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a partial export was left behind: %v", err)
	}
	_, errOut, err := hookRun(t, env, "backtest", "--export", file, "--app", "1400000001")
	if err != nil || !strings.Contains(errOut, "wrote 2 callbacks of app 1400000001") {
		t.Fatalf("%v %s", err, errOut)
	}
	data, _ := os.ReadFile(file)
	if lines := strings.Count(string(data), "\n"); lines != 4 || !strings.HasPrefix(string(data), "[\n {") {
		t.Errorf("timeline:\n%s", data)
	}
}
