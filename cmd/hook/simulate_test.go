package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestSimulateAgainstServer plays every scenario against a real server and
// waits for the pages each one should produce on the console.
func TestSimulateAgainstServer(t *testing.T) {
	t.Parallel()
	const key = "simulate-test-key"
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": key})

	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"simulate", "--url", s.url + "/callback", "--key", key, "--no-wait", "all"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("simulate: %v\n%s%s", err, out.String(), errOut.String())
	}
	if n := strings.Count(out.String(), "-> 200 "); n != 23 {
		t.Errorf("simulate reported %d accepted callbacks, want 23:\n%s", n, out.String())
	}
	// Six users dropping out of one room within seconds, five still away 20 s
	// later, are one room page, not six user pages; the flapping relay pages.
	want := []string{
		"Users dropping out of room",
		"rule recording-upload-error", "rule recording-upload-incomplete", "rule relay-flapping",
	}
	waitFor(t, 45*time.Second, "four pages on the console", func() bool { // the room outage waits 20 s; the rest is slack for a busy machine
		got := s.stdout.String()
		for _, w := range want {
			if !strings.Contains(got, w) {
				return false
			}
		}
		return true
	})
	if strings.Contains(s.stdout.String(), "User alice dropped out") {
		t.Error("alice never timed out, yet she was paged")
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
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "refused 8 callback(s)") {
		t.Errorf("err = %v, want exit 1 saying 8 were refused", err)
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
	if n := strings.Count(out.String(), "-> 200 "); n != stormUsers+stormUsers/2 {
		t.Errorf("%d callbacks accepted, want %d", n, stormUsers+stormUsers/2)
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
