package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/cli"
)

func TestSign(t *testing.T) {
	// The official known-answer vector (see internal/verify).
	const body = "{\n\t\"EventGroupId\":\t2,\n\t\"EventType\":\t204,\n\t\"CallbackTs\":\t1664209748188,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t8489,\n\t\t\"EventTs\":\t1664209748,\n\t\t\"EventMsTs\":\t1664209748180,\n\t\t\"UserId\":\t\"user_85034614\",\n\t\t\"Reason\":\t0\n\t}\n}"
	const want = "kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA=\n"
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		stdin  string
		want   string
		status int // cli.Exit code, 0 for success
	}{
		{"stdin", []string{"sign", "--key", "123654"}, nil, body, want, 0},
		{"file", []string{"sign", "--key", "123654", file}, nil, "", want, 0},
		{"key from env", []string{"sign", file}, map[string]string{"TRTC_CALLBACK_KEY": "123654"}, "", want, 0},
		{"no key", []string{"sign", file}, nil, "", "", 2},
		{"two files", []string{"sign", "--key", "k", file, file}, nil, "", "", 2},
		{"missing file", []string{"sign", "--key", "k", file + ".nope"}, nil, "", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, strings.NewReader(tt.stdin), &out, &errOut)
			if tt.status == 0 {
				if err != nil || out.String() != tt.want {
					t.Fatalf("run = %v, output %q; want %q", err, out.String(), tt.want)
				}
				return
			}
			var exit cli.Exit
			code := 1
			if errors.As(err, &exit) {
				code = exit.Code
			}
			if err == nil || code != tt.status {
				t.Fatalf("run = %v (exit %d), want exit %d", err, code, tt.status)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	var exit cli.Exit
	if !errors.As(err, &exit) || exit.Code != 2 || !strings.Contains(exit.Msg, `unknown command "frobnicate"`) {
		t.Fatalf("run = %v, want exit 2 naming the command", err)
	}
}

// TestDoubleDash: Go-style single-dash long flags, which hook took before
// cobra, still work: they are rewritten for pflag; negative numbers and
// what follows "--" are left alone.
func TestDoubleDash(t *testing.T) {
	root := newRootCmd(&proc{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	tests := []struct{ in, want string }{
		{"check -rules x.yaml", "check --rules x.yaml"},
		{"-redis-timeout=1s", "--redis-timeout=1s"},
		{"catalog sdk 1001 -1 -1", "catalog sdk 1001 -1 -1"},
		{"silence add room=1 -for 2h -comment x", "silence add room=1 --for 2h --comment x"},
		{"-h --help -nosuchflag", "-h --help -nosuchflag"},
		{"test -- -rules", "test -- -rules"},
	}
	for _, tt := range tests {
		got := strings.Join(cli.DoubleDash(root, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("cli.DoubleDash(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
