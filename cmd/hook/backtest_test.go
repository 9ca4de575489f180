package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
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
		if code, resp := postBody(t, url, "1400000001", "k", callbackBody(1, st.typ, info)); code != 200 {
			t.Fatalf("%v: %d %s", st, code, resp)
		}
	}
	return len(steps)
}

// The rules of the end-to-end runs: the example's room outage, as a team
// might have it, and tuned to the room's size.
const (
	e2eRules = `receivers: [{name: oncall, console: {}}]
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
	e2eTuned = `receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: room-outage
    match: {event: room.exit, reason: [timeout, force_closed]}
    threshold: {count: 5, share: 50%, within: 10s, per: "{{.App}}/{{.RoomKey}}"}
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
)

// hookCmd runs a hook command in-process and returns its stdout, stderr
// and error.
func hookCmd(env map[string]string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

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
			env := map[string]string{"TRTC_CALLBACK_KEY": "k", "HOOK_RULES": rulesFile, "HOOK_ADMIN_TOKEN": "admin-secret"}
			if mode == "HOOK_REDIS_URL" {
				env["HOOK_REDIS_URL"] = "redis://" + redistest.Start(t).Options().Addr
			}
			srv := startServe(t, env)
			posted := play(t, srv.url, shortNight())
			waitFor(t, 10*time.Second, "the record to hold every callback", func() bool {
				_, m := get(t, srv.url+"/metrics")
				return metricValue(m, "hook_record_written_total", "") == float64(posted)
			})
			cli := map[string]string{"HOOK_RULES": rulesFile}
			if mode == "admin API" {
				cli["HOOK_URL"], cli["HOOK_ADMIN_TOKEN"] = srv.url, "admin-secret"
			} else {
				cli["HOOK_REDIS_URL"] = env["HOOK_REDIS_URL"]
			}
			out, errOut, err := hookCmd(cli, "backtest", "--rules", tunedFile, "--since", "1h")
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

			js, _, err := hookCmd(cli, "backtest", "--rules", tunedFile, "--since", "1h", "--json")
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
			if _, errOut, err := hookCmd(cli, "backtest", "--export", kept, "--since", "1h", "--room", "9130"); err != nil {
				t.Fatalf("export: %v %s", err, errOut)
			}
			seq, _, err := hookCmd(map[string]string{}, "test", "--sequence", "--rules", tunedFile, kept)
			if err != nil || !strings.Contains(seq, "1 page(s) in all") || !strings.Contains(seq, "room-outage") {
				t.Errorf("hook test --sequence on the export: %v\n%s", err, seq)
			}
			fromFile, _, err := hookCmd(cli, "backtest", "--rules", tunedFile, "--input", kept)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`(?m)^room-outage +1 +1 +=$`).MatchString(fromFile) {
				t.Errorf("the export replayed:\n%s", fromFile)
			}
		})
	}
}
