package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/simulate"
)

// TestSimulateAgainstServer plays every scenario of "all" at once against a
// real server: hook accepts every callback, and the pages that need no wait
// (those a rehearsal of the same run pages at once) reach the console. The
// pages that wait for recovery are timed by TestSimulatePromise on a
// simulated clock, so this test never waits for a rule's `for`.
func TestSimulateAgainstServer(t *testing.T) {
	t.Parallel()
	calls, pages := rehearseSimulate(t, "--no-wait", "all")
	want := map[string]int{}
	for _, p := range pages {
		if p.at < time.Second {
			want[p.rule]++
		}
	}
	if len(want) == 0 {
		t.Fatalf("no page of the run comes at once: %v", pages)
	}
	const key = "simulate-test-key"
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": key})

	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"simulate", "--url", s.url + "/callback", "--key", key, "--no-wait", "all"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("simulate: %v\n%s%s", err, out.String(), errOut.String())
	}
	if n := strings.Count(out.String(), "-> 200 "); n != len(calls) {
		t.Errorf("simulate reported %d accepted callbacks, want %d:\n%s", n, len(calls), out.String())
	}
	// Generous: the pages are enqueued while the callbacks are answered; only
	// a machine stalled for half a minute could miss it.
	waitFor(t, 30*time.Second, fmt.Sprintf("the pages %v on the console", want), func() bool {
		got := s.stdout.String()
		for rule, n := range want {
			if strings.Count(got, "\n  rule "+rule+" ") < n {
				return false
			}
		}
		return true
	})
	rehearsed := map[string]bool{}
	for _, p := range pages {
		rehearsed[p.rule] = true
	}
	for _, m := range pageRuleRE.FindAllStringSubmatch(s.stdout.String(), -1) {
		if !rehearsed[m[1]] {
			t.Errorf("the server paged rule %s, which the rehearsal of the same run never does", m[1])
		}
	}
}

// pageRuleRE finds the rule line of each page on the console.
var pageRuleRE = regexp.MustCompile(`\n  rule ([a-z0-9-]+) `)

// TestSimulatePromise keeps README.md's promises about `hook simulate`: how
// many callbacks each scenario sends over how long, and which pages the
// default run, live and call give when, rehearsed on a simulated clock
// through the embedded rules exactly as simulate plans them.
func TestSimulatePromise(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	calls, pages := rehearseSimulate(t, "all")
	var block strings.Builder
	for _, p := range pages {
		block.WriteString(p.String() + "\n")
	}
	wants := []string{
		fmt.Sprintf("gives %d pages, at these times", len(pages)),
		"```text\n" + block.String() + "```\n",
		fmt.Sprintf("simulate --key KEY            # room, recording and relay: %d callbacks over %s", len(calls), clock(calls[len(calls)-1].At)),
	}
	for _, name := range []string{"live", "call"} {
		calls, pages := rehearseSimulate(t, name)
		wants = append(wants, fmt.Sprintf("%d callbacks over %s", len(calls), clock(calls[len(calls)-1].At)))
		var at []string
		for _, p := range pages {
			at = append(at, clock(p.at)+" "+p.rule)
		}
		wants = append(wants, fmt.Sprintf("`%s` pages %s", name, strings.Join(at, ", ")))
	}
	for _, w := range wants {
		if !strings.Contains(string(readme), w) {
			t.Errorf("README.md does not say what simulate does; it should say:\n%s", w)
		}
	}
}

func TestSimulateArguments(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--no-wait"}, 2, "--key is required"},
		{[]string{"--key", "k", "nosuch"}, 2, `unknown scenario "nosuch"`},
		{[]string{"--key", "k", "--speed", "0"}, 2, "--speed must be positive"},
		{[]string{"--key", "k", "room", "relay"}, 2, "at most one SCENARIO"},
		{[]string{"--key", "k", "--no-wait", "--url", "http://127.0.0.1:1/callback", "relay"}, -1, "is hook running?"}, // main prints it and exits 1,
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"simulate"}, tc.args...), func(string) string { return "" },
				strings.NewReader(""), &out, &errOut)
			if got := exitCode(err); got != tc.code {
				t.Errorf("exit code %d, want %d (err %v)", got, tc.code, err)
			}
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want it to say %q", err, tc.msg)
			}
		})
	}
}

// TestSimulateRefusedKey: a wrong key is reported per callback and as exit 1.
func TestSimulateRefusedKey(t *testing.T) {
	t.Parallel()
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "the-right-key"})
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"simulate", "--url", s.url + "/callback", "--key", "a-wrong-key", "--no-wait", "relay"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	want := fmt.Sprintf("refused %d callback(s)", len(simPlan(t, "relay")))
	if exitCode(err) != 1 || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want exit 1 saying %s", err, want)
	}
	if !strings.Contains(out.String(), "-> 401 ") {
		t.Errorf("the 401 answers are not printed:\n%s", out.String())
	}
}

// The storm scenario (not part of "all") is 300 callbacks; hook answers each
// and pages the room, not 200 users (the per-user pages wait 30 s and are then
// inhibited by the room page, which the rehearsal tests pin down).
func TestSimulateStorm(t *testing.T) {
	t.Parallel()
	const key = "storm-test-key"
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": key})
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"simulate", "--url", s.url + "/callback", "--key", key, "--no-wait", "storm"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("simulate storm: %v\n%s", err, errOut.String())
	}
	if n := strings.Count(out.String(), "-> 200 "); n != simulate.StormUsers+simulate.StormUsers/2 {
		t.Errorf("%d callbacks accepted, want %d", n, simulate.StormUsers+simulate.StormUsers/2)
	}
	waitFor(t, 30*time.Second, "the room page", func() bool {
		return strings.Contains(s.stdout.String(), "Users dropping out of room")
	})
	if n := strings.Count(s.stdout.String(), "Users dropping out of room"); n != 1 {
		t.Errorf("%d room pages for one storm, want 1:\n%s", n, s.stdout.String())
	}
	if strings.Contains(s.stdout.String(), "dropped out of room") {
		t.Errorf("a per-user page went out during the storm:\n%s", s.stdout.String())
	}
}

// TestSimulateApps: the call scenario sends as the call app (--call-app), a
// second SdkAppId that rules can declare `scene: call`; every other scenario
// as --app.
func TestSimulateApps(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want map[string]bool // the SdkAppIds the run sends as
	}{
		{[]string{"all"}, map[string]bool{"1400000001": true}},
		{[]string{"live"}, map[string]bool{"1400000001": true}},
		{[]string{"call"}, map[string]bool{"1400000002": true}},
		{[]string{"--app", "1400000007", "--call-app", "1400000009", "call"}, map[string]bool{"1400000009": true}},
		{[]string{"--app", "1400000007", "--call-app", "1400000009", "relay"}, map[string]bool{"1400000007": true}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := map[string]bool{}
			for _, c := range simPlan(t, tc.args...) {
				got[c.App] = true
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("sends as %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSimulateScenesAgainstServer: a real server accepts every signed
// callback of the live and call scenarios, sent at once.
func TestSimulateScenesAgainstServer(t *testing.T) {
	t.Parallel()
	const key = "scenes-test-key"
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": key})
	for _, name := range []string{"live", "call"} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"simulate", "--url", s.url + "/callback", "--key", key, "--no-wait", name},
			func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
		if err != nil {
			t.Fatalf("simulate %s: %v\n%s%s", name, err, out.String(), errOut.String())
		}
		if n, want := strings.Count(out.String(), "-> 200 "), len(simPlan(t, name)); n != want {
			t.Errorf("simulate %s: %d callbacks accepted, want %d", name, n, want)
		}
	}
}
