package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRehearseDropAndReturn(t *testing.T) {
	dir := t.TempDir()
	events := `[
 {"EventGroupId":1,"EventType":104,"CallbackTs":1772366400000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366400000,"UserId":"u1","Role":20,"Reason":2}},
 {"EventGroupId":1,"EventType":103,"CallbackTs":1772366460000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366460000,"UserId":"u1","Role":20,"Reason":1}},
 {"EventGroupId":1,"EventType":104,"CallbackTs":1772366400000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366500000,"UserId":"u2","Role":20,"Reason":2}},
 {"EventGroupId":1,"EventType":103,"CallbackTs":1772366400000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366510000,"UserId":"u2","Role":20,"Reason":1}}
]`
	path := filepath.Join(dir, "events.json")
	if err := os.WriteFile(path, []byte(events), 0o600); err != nil {
		t.Fatal(err)
	}
	outputHas(t, rehearse(t, "--rules", scenarioRules, "--sequence", path), []string{
		`12:00:00.000  event 104 user "u1" room "8489" -> room-timeout-storm: counted, user-dropped: pending`,
		"12:00:30.000  timer pending user-dropped -> paged",
		"-> user-dropped: resolved",
		"[RESOLVED]",
		"-> user-dropped: cleared",
		"2 page(s) in all",
	})
}

// The shipped timelines rehearse as the README and the example's comments
// say: a room outage pages once, says why in numbers and holds the anchor's
// page back, a blip pages nobody, a relay pages when TRTC gives up (FAILURE,
// final) and when it flaps, never for a blip it heals, and every recording
// failure pages once per task.
func TestRehearseShippedTimelines(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"outage.json", []string{
			"12:00:24.000  timer threshold live-room-outage -> paged",
			"why now: 6 of 9 users dropped within 40s; 5 still away after 20s",
			"Users (5): anchor1 (Anchor), viewer1 (Audience), viewer2 (Audience), viewer3 (Audience), viewer4 (Audience)",
			`12:00:25.000  event 308 user "recorder" room "9001" -> recording-upload-error: paged`,
			"12:00:30.000  timer pending live-anchor-gone -> inhibited",
			"2 page(s) in all",
		}},
		{"blip.json", []string{
			"12:00:24.000  timer threshold live-room-outage -> cleared",
			"0 page(s) in all",
		}},
		{"relay.json", []string{
			`12:00:45.000  event 401 user "relay_cdn-a" room "live1" -> relay-flapping: cleared`,
			`12:01:20.000  event 401 user "relay_cdn-b" room "live2" -> relay-failed: paged`,
			`12:01:40.000  event 401 user "relay_cdn-c" room "live3" -> relay-failed: paged`,
			`12:03:30.000  event 401 user "relay_cdn-d" room "live4" -> relay-flapping: paged`,
			"URL:          rtmp://push.example.com/live/cdn-b",
			"3 page(s) in all",
		}},
		{"recording.json", []string{
			`-> recording-start-failed: paged`,
			`-> recording-start-failed: duplicate`,
			`-> recording-stopped-abnormally: paged`,
			`-> recording-vod-failed: paged`,
			`-> web-recording-failed: paged`,
			`event 701 user "" room "9008" -> ingest-failed: counted`,
			"4 page(s) in all",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			outputHas(t, rehearse(t, "--sequence", "../../examples/"+tc.file), tc.want)
		})
	}
}

// TestREADMERehearsalIsTrue: the lines docs/rules.md quotes from `hook test
// --sequence examples/outage.json` are lines it prints.
func TestREADMERehearsalIsTrue(t *testing.T) {
	readme, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "$ hook test --sequence examples/outage.json")
	if !ok {
		t.Fatal("docs/rules.md no longer rehearses examples/outage.json")
	}
	_, block, _ = strings.Cut(block, "\n") // past the command line
	block, _, _ = strings.Cut(block, "```")
	out := rehearse(t, "--sequence", "../../examples/outage.json")
	quoted := 0
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if i := strings.Index(line, "  ("); i > 0 && strings.HasSuffix(line, ")") {
			line = strings.TrimSpace(line[:i]) // the doc's comment on the line
		}
		quoted++
		if !strings.Contains(out, line+"\n") {
			t.Errorf("docs/rules.md quotes a line the rehearsal does not print: %s", line)
		}
	}
	if quoted < 5 {
		t.Errorf("only %d lines quoted: the block was not found", quoted)
	}
}

// rehearse runs `hook test` with args and no environment, and returns what
// it prints; it fails the test if the rehearsal fails.
func rehearse(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := hookRun(t, nil, append([]string{"test"}, args...)...)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	return out
}

// outputHas checks that out holds every one of want.
func outputHas(t *testing.T, out string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
