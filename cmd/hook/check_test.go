package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runHook(getenv env, args ...string) (stdout string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

// exampleEnv holds the keys examples/multi-app.yaml reads from the environment.
func exampleEnv(k string) string {
	return map[string]string{"TRTC_KEY_PRODUCTION": "prod-key", "TRTC_KEY_STAGING": "staging-key"}[k]
}

func TestCheckExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) < 2 {
		t.Fatalf("examples: %v", files)
	}
	files = append(files, "../../rules.example.yaml")
	for _, f := range files {
		out, err := runHook(exampleEnv, "check", "--rules", f)
		if err != nil || !strings.HasSuffix(out, ": OK\n") {
			t.Errorf("hook check --rules %s: %q, %v", f, out, err)
		}
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // stdout, or the error message when code != 0
	}{
		{"embedded example", nil, []string{"check"}, 0, "rules.example.yaml: 15 rules, 2 receivers, 2 apps: OK\n"},
		{"HOOK_RULES", map[string]string{"HOOK_RULES": "../../examples/quiet-hours.yaml"}, []string{"check"}, 0,
			"../../examples/quiet-hours.yaml: 2 rules, 2 receivers, 0 apps: OK\n"},
		{"all errors", nil, []string{"check", "--rules", "../../internal/rules/testdata/bad/wrong_type.yaml"}, 1,
			"../../internal/rules/testdata/bad/wrong_type.yaml:7:16: rule \"a\": receivers: expected a list, got \"oncall\" (write [oncall] for a list of one)\n" +
				"  7 |     receivers: oncall\n" +
				"    |                ^\n" +
				"../../internal/rules/testdata/bad/wrong_type.yaml:8:15: rule \"a\": continue: expected true or false, got \"yes\"\n" +
				"  8 |     continue: \"yes\"\n" +
				"    |               ^"},
		// Routes: which rules take which route, above the summary.
		{"routes", nil, []string{"check", "--rules", "../../examples/routes.yaml"}, 0,
			"routes (for rules without receivers of their own; the first that matches a page takes it):\n" +
				"  routes[0] (line 33) group: [recording, web_recording] -> media\n" +
				"      recording-start-failed, recording-upload-error, web-recording-limit\n" +
				"  routes[1] (line 36) group: [relay, ingest], severity: critical -> streaming, oncall\n" +
				"      relay-failed\n" +
				"  routes[2] (line 38) group: [relay, ingest] -> streaming\n" +
				"      relay-flapping\n" +
				"  routes[3] (line 41) severity: critical -> oncall\n" +
				"      room-outage\n" +
				"  default_receiver -> rtc-alerts\n" +
				"      anchor-dropped\n" +
				"  rules with receivers of their own: room-dismissed-early\n" +
				"../../examples/routes.yaml: 8 rules, 4 receivers, 0 apps: OK\n"},
		// A CI job checking rules has no production secrets: noted on stderr, not an error.
		{"missing env key", nil, []string{"check", "--rules", "../../examples/multi-app.yaml"}, 0,
			"../../examples/multi-app.yaml: 4 rules, 3 receivers, 2 apps: OK\n"},
		{"no such file", nil, []string{"check", "--rules", "nope.yaml"}, 1, "hook check: read rules: open nope.yaml: no such file or directory"},
		{"stray argument", nil, []string{"check", "x.yaml"}, 2, `hook check: unexpected argument "x.yaml" (use --rules FILE)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runHook(func(k string) string { return tc.env[k] }, tc.args...)
			if code := exitCode(err); code != tc.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tc.code)
			}
			got := out
			if tc.code != 0 {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// scenarioRules are the rules the stateful scenarios run on.
const scenarioRules = "../../internal/rehearsal/testdata/scenario-rules.yaml"

func TestDryRun(t *testing.T) {
	// The scenario rules (a storm with group updates over per-user drops) show
	// every kind of explanation.
	out, err := runHook(exampleEnv, "test", "--rules", scenarioRules, "testdata/user-timeout.json", "testdata/user-enter.json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"testdata/user-timeout.json: app 1400000001, room \"8489\", user \"u42\"",
		"  reason       2 reason.timeout: Timeout\n",
		"  scene        live\n", // the app is not listed: live
		"  MATCH user-dropped: matched: event room.exit (104) matches room.exit; reason reason.timeout (2) matches [timeout, force_closed]\n",
		"        for: opens the pending alert 1400000001/8489/u42; pages after 30s unless a clearing event comes first",
		"  MATCH room-timeout-storm: ",
		"        threshold: counts towards 3 events within 1m0s for 1400000001/8489; pages when the count is reached",
		"        page to oncall (slack #rtc-oncall):\n          [WARNING] User u42 dropped out of room 8489: Timeout\n",
		"  skip  relay-failed: not considered: an earlier rule matched without continue: true\n",
		"  no    user-dropped: match.event: wants room.enter, event has room.enter (103)",
		"  CLEAR user-dropped: clear: this event clears the pending alert 1400000001/8489/u42",
	} {
		if !strings.Contains(out, want) && !strings.Contains(out, strings.Replace(want, "wants room.enter", "wants room.exit", 1)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDryRunRejects(t *testing.T) {
	for _, tc := range []struct{ file, reason string }{
		{"testdata/no-group.json", "REJECTED: 400 Bad Request: invalid callback: missing EventGroupId"},
		{"testdata/not-json.json", "REJECTED: 400 Bad Request: invalid callback: body is not a valid JSON object"},
	} {
		out, err := runHook(exampleEnv, "test", "testdata/user-timeout.json", tc.file)
		if exitCode(err) != 1 || !strings.Contains(out, tc.file+": "+tc.reason) {
			t.Errorf("%s: exit %d, output:\n%s", tc.file, exitCode(err), out)
		}
	}
	if _, err := os.Stat("testdata/user-timeout.json"); err != nil {
		t.Fatal(err)
	}
}

// An app without a scene is a warning on stderr, after the summary: the
// check passes (exit 0), and says what the app gets and why it matters.
func TestCheckWarnsAboutAppsWithoutScene(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check", "--rules", "testdata/no-scene.yaml"}, exampleEnv, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("hook check: %v", err)
	}
	if want := "testdata/no-scene.yaml: 1 rules, 1 receivers, 2 apps: OK\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	want := "testdata/no-scene.yaml:6:5: warning: app 1400000002 declares no scene, so it is treated as live"
	if !strings.HasPrefix(errOut.String(), want) || strings.Count(errOut.String(), "warning:") != 1 {
		t.Errorf("stderr:\n%s\nwant one warning starting %q", errOut.String(), want)
	}
}

// The example lists its apps without keys (they take TRTC_CALLBACK_KEY):
// `hook check` passes and says, where that key is unset, that the server
// will need it for them.
func TestCheckKeylessApps(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		note bool
	}{
		{"TRTC_CALLBACK_KEY unset", nil, true},
		{"TRTC_CALLBACK_KEY set", map[string]string{"TRTC_CALLBACK_KEY": "k"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"check"}, func(k string) string { return tc.env[k] }, strings.NewReader(""), &out, &errOut)
			if err != nil || out.String() != "rules.example.yaml: 15 rules, 2 receivers, 2 apps: OK\n" {
				t.Fatalf("hook check: %q, %v", out.String(), err)
			}
			const note = "note: TRTC_CALLBACK_KEY is not set here; the server will need it for app(s) 1400000001, 1400000002, listed without a callback_key"
			if got := strings.Contains(errOut.String(), note); got != tc.note {
				t.Errorf("stderr:\n%s\nwant the note %v", errOut.String(), tc.note)
			}
			if strings.Contains(errOut.String(), "warning:") {
				t.Errorf("the example declares every app's scene, yet:\n%s", errOut.String())
			}
		})
	}
}
