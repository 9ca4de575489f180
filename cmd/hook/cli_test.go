package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
)

// hookRun runs hook with args and env, returning stdout, stderr and the error.
func hookRun(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// commandPaths lists every command of hook's tree as its arguments after
// "hook": {}, {"check"}, {"silence", "add"}...
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	root := newRootCmd(&proc{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	var paths [][]string
	cli.Walk(root, func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		paths = append(paths, path)
	})
	if len(paths) < 20 {
		t.Fatalf("only %d commands: %v", len(paths), paths)
	}
	return paths
}

// TestHelp: every command's help is on stdout with exit 0, the same for
// -h, --help and `hook help COMMAND`.
func TestHelp(t *testing.T) {
	for _, path := range commandPaths(t) {
		t.Run("hook "+strings.Join(path, " "), func(t *testing.T) {
			want, errOut, err := hookRun(t, nil, append(slices.Clone(path), "--help")...)
			if err != nil || errOut != "" {
				t.Fatalf("--help: %v, stderr %q", err, errOut)
			}
			if !strings.Contains(want, "Usage:\n  hook") {
				t.Errorf("--help prints no usage:\n%s", want)
			}
			for _, args := range [][]string{append(slices.Clone(path), "-h"), append([]string{"help"}, path...)} {
				got, errOut, err := hookRun(t, nil, args...)
				if err != nil || errOut != "" {
					t.Fatalf("%v: %v, stderr %q", args, err, errOut)
				}
				if got != want {
					t.Errorf("hook %s printed:\n%s\nwant what --help prints:\n%s", strings.Join(args, " "), got, want)
				}
			}
		})
	}
}

// TestUsageErrors: a command line hook cannot run exits 2 with a message that
// says what is wrong and the usage of the command it was for.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args  []string
		env   map[string]string
		msg   string // in the message
		usage string // the usage's first line
	}{
		{[]string{"frobnicate"}, nil, `hook: unknown command "frobnicate" for "hook"`, "hook [flags]"},
		{[]string{"chek"}, nil, "Did you mean this?\n\tcheck", "hook [flags]"},
		{[]string{"--nosuch"}, nil, "hook: unknown flag: --nosuch", "hook [flags]"},
		{[]string{"serve", "extra"}, nil, `hook serve: unexpected argument "extra"`, "hook serve [flags]"},
		{[]string{"serve", "--replay-window", "0"}, nil, `--replay-window "0" is not a positive duration`, "hook serve [flags]"},
		{[]string{"check", "--nosuch"}, nil, "hook check: unknown flag: --nosuch", "hook check [flags]"},
		{[]string{"check", "x.yaml"}, nil, `hook check: unexpected argument "x.yaml" (use --rules FILE)`, "hook check [flags]"},
		{[]string{"sign"}, nil, "hook sign: --key is required (or set TRTC_CALLBACK_KEY)", "hook sign [FILE] [flags]"},
		{[]string{"sign", "--key", "k", "a", "b"}, nil, "hook sign: at most one FILE", "hook sign [FILE] [flags]"},
		{[]string{"test"}, nil, "hook test: give one or more callback bodies", "hook test EVENT.json... [flags]"},
		{[]string{"test", "--settle", "soon", "x.json"}, nil, `invalid argument "soon" for "--settle"`, "hook test EVENT.json... [flags]"},
		{[]string{"simulate"}, nil, "hook simulate: --key is required (or set TRTC_CALLBACK_KEY)", "hook simulate [SCENARIO] [flags]"},
		{[]string{"simulate", "--key", "k", "nosuch"}, nil, `unknown scenario "nosuch"`, "hook simulate [SCENARIO] [flags]"},
		{[]string{"catalog", "--nosuch"}, nil, "hook catalog: unknown flag: --nosuch", "hook catalog TABLE ID [P1] [P2] [flags]"},
		{[]string{"catalog"}, nil, "hook catalog: missing TABLE", "hook catalog TABLE ID [P1] [P2] [flags]"},
		{[]string{"health", "extra"}, nil, `hook health: unexpected argument "extra"`, "hook health [flags]"},
		{[]string{"silence"}, nil, "hook silence: give a subcommand: add, expire, list", "hook silence [flags]"},
		{[]string{"silence", "mute"}, nil, `hook silence: unknown subcommand "mute" (use add, expire, list)`, "hook silence [flags]"},
		{[]string{"silence", "add", "room=8489"}, nil, "hook silence add: --comment is required", "hook silence add LABEL=VALUE... [flags]"},
		{[]string{"silence", "add", "--comment", "why"}, nil, "hook silence add: give what to mute as LABEL=VALUE", "hook silence add LABEL=VALUE... [flags]"},
		{[]string{"silence", "add", "--comment", "why", "room"}, nil, `hook silence add: "room" is not LABEL=VALUE`, "hook silence add LABEL=VALUE... [flags]"},
		{[]string{"silence", "add", "--comment", "why", "--for", "a while", "room=1"}, nil, `invalid argument "a while" for "--for"`, "hook silence add LABEL=VALUE... [flags]"},
		{[]string{"silence", "expire"}, nil, "hook silence expire: give one silence ID", "hook silence expire ID [flags]"},
		{[]string{"outbox", "drop"}, nil, "hook outbox drop: give the dead letter IDs", "hook outbox drop ID... [flags]"},
		{[]string{"outbox", "digests", "a", "b"}, nil, "hook outbox digests: at most one digest ID", "hook outbox digests [ID] [flags]"},
		{[]string{"help", "nosuch"}, nil, `hook help: unknown command "nosuch"`, "hook [flags]"},
		{[]string{"completion"}, nil, "hook completion: give a subcommand: bash, fish, powershell, zsh", "hook completion [flags]"},
		{[]string{"completion", "tcsh"}, nil, `hook completion: unknown subcommand "tcsh"`, "hook completion [flags]"},
		{[]string{"version", "now"}, nil, `hook version: unexpected argument "now"`, "hook version [flags]"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, _, err := hookRun(t, tt.env, tt.args...)
			exit, ok := err.(cli.Exit)
			if !ok || exit.Code != 2 {
				t.Fatalf("run = %v (%T), want exit 2; stdout %q", err, err, out)
			}
			if !strings.Contains(exit.Msg, tt.msg) {
				t.Errorf("message %q, want it to say %q", exit.Msg, tt.msg)
			}
			if !strings.HasPrefix(exit.Usage, "Usage:\n  "+tt.usage+"\n") {
				t.Errorf("usage:\n%s\nwant it to start with Usage: %s", exit.Usage, tt.usage)
			}
		})
	}
}

// TestCompletion: `hook completion SHELL` prints a script for the shell.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash":       "# bash completion V2 for hook",
		"zsh":        "#compdef hook",
		"fish":       "complete -c hook ",
		"powershell": "Register-ArgumentCompleter",
	} {
		t.Run(shell, func(t *testing.T) {
			out, errOut, err := hookRun(t, nil, "completion", shell)
			if err != nil || errOut != "" {
				t.Fatalf("%v, stderr %q", err, errOut)
			}
			if !strings.Contains(out, want) || len(out) < 1000 {
				t.Errorf("completion %s: %d bytes without %q", shell, len(out), want)
			}
		})
	}
	// What the scripts ask hook for: commands, flags and arguments.
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "si"}, []string{"sign\t", "silence\t", "simulate\t"}},
		{[]string{"__complete", "silence", ""}, []string{"add\t", "expire\t", "list\t"}},
		{[]string{"__complete", "silence", "add", "--"}, []string{"--comment\t"}}, // required: offered first
		{[]string{"__complete", "silence", "add", "--comment", "x", "--"}, []string{"--author\t", "--for\t", "--url\t"}},
		{[]string{"__complete", "silence", "add", "ro"}, []string{"room="}},
		{[]string{"__complete", "simulate", ""}, []string{"room", "storm", "all"}},
		{[]string{"__complete", "help", "out"}, []string{"outbox\t"}},
	} {
		out, _, err := hookRun(t, nil, tt.args...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("hook %s offers no %q:\n%s", strings.Join(tt.args, " "), w, out)
			}
		}
	}
}

// TestRequiredFlags: the flags a command cannot do without are marked for
// cobra (which enforces them and tells completion) and said to be in help.
func TestRequiredFlags(t *testing.T) {
	root := newRootCmd(&proc{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	want := map[string]bool{"hook sign --key": true, "hook simulate --key": true, "hook silence add --comment": true}
	cli.Walk(root, func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			name := c.CommandPath() + " --" + f.Name
			if cli.IsRequired(f) != want[name] {
				t.Errorf("%s: required %v, want %v", name, cli.IsRequired(f), want[name])
			}
			if cli.IsRequired(f) && !strings.Contains(f.Usage, "(required") {
				t.Errorf("%s is required but its help does not say so: %q", name, f.Usage)
			}
			delete(want, name)
		})
	})
	for name := range want {
		t.Errorf("no flag %s", name)
	}
	// A required flag given by its variable is given.
	if out, _, err := hookRun(t, map[string]string{"TRTC_CALLBACK_KEY": "k"}, "sign", "/dev/null"); err != nil || out == "" {
		t.Errorf("sign with TRTC_CALLBACK_KEY: %v %q", err, out)
	}
}

// flagLine matches one flag's line in help: "  -h, --help   help for hook",
// "      --listen string   address to listen on (env HOOK_LISTEN) (default ":8080")".
var flagLine = regexp.MustCompile(`^\s+(?:-\w, )?--([a-z-]+)(?: \w+)?\s{2,}(.*)$`)

// TestEnvInHelp: every flag that falls back on an environment variable says
// which, next to the flag, in one style: "(env NAME)"; every variable hook
// reads is in some command's help; the Go flag package's "($NAME)" is gone.
func TestEnvInHelp(t *testing.T) {
	helps := ""
	for _, path := range commandPaths(t) {
		help, _, err := hookRun(t, nil, append(path, "--help")...)
		if err != nil {
			t.Fatal(err)
		}
		helps += help
		root := newRootCmd(&proc{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := map[string]string{}
		for line := range strings.Lines(help) {
			if m := flagLine.FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
				lines[m[1]] = m[2]
			}
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			line, ok := lines[f.Name]
			if !ok {
				t.Errorf("hook %s --help has no line for --%s:\n%s", strings.Join(path, " "), f.Name, help)
				return
			}
			if e := cli.EnvOf(f); e != "" && !strings.Contains(line, "env "+e+")") {
				t.Errorf("hook %s --help: --%s falls back on %s but says %q", strings.Join(path, " "), f.Name, e, line)
			}
		})
		if strings.Contains(help, "($") || strings.Contains(help, "default $") {
			t.Errorf("hook %s --help names a variable in the old style:\n%s", strings.Join(path, " "), help)
		}
	}
	read := map[string]bool{"TRTC_CALLBACK_KEY": true, "TENCENTCLOUD_SECRET_ID": true}
	for _, f := range settingsSources(t) {
		for _, m := range envRE.FindAllStringSubmatch(f.src, -1) {
			read[m[1]] = true
		}
	}
	for name := range read {
		if !strings.Contains(helps, name) {
			t.Errorf("hook reads $%s, which no help mentions", name)
		}
	}
	if len(read) < 20 {
		t.Errorf("found only %d variables: the pattern has gone stale", len(read))
	}
}

// TestEnvironmentFallback: a flag not given takes its variable; a flag given
// beats it; a bad value names the variable.
func TestEnvironmentFallback(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(good, []byte("receivers:\n  - name: oncall\n    console: {}\nrules:\n  - name: r\n    match: {event: room.exit}\n    receivers: [oncall]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOOK_RULES": good}
	if out, _, err := hookRun(t, env, "check"); err != nil || !strings.HasPrefix(out, good+": ") {
		t.Errorf("check with HOOK_RULES: %v %q", err, out)
	}
	if out, _, err := hookRun(t, env, "check", "--rules", "../../rules.example.yaml"); err != nil || !strings.HasPrefix(out, "../../rules.example.yaml: ") {
		t.Errorf("check --rules beats HOOK_RULES: %v %q", err, out)
	}
	_, _, err := hookRun(t, map[string]string{"HOOK_URL": "http://127.0.0.1:1", "HOOK_ADMIN_TOKEN": "t"}, "silence", "list")
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("silence list with HOOK_URL: %v, want the server at HOOK_URL unreachable", err)
	}
	_, _, err = hookRun(t, map[string]string{"HOOK_RULES": "x"}, "test", "--settle", "1s")
	if exitCode(err) != 2 {
		t.Errorf("test without files: %v", err)
	}
}

// TestServeIsTheDefault: `hook` with no command, or only serve's flags,
// serves (`go run ./cmd/hook` must).
func TestServeIsTheDefault(t *testing.T) {
	for _, args := range [][]string{nil, {"--log-level", "warn"}} {
		var out, errOut syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, args, func(k string) string { return map[string]string{"HOOK_LISTEN": "127.0.0.1:0"}[k] }, nil, &out, &errOut)
		}()
		waitFor(t, 10*time.Second, "the listening line", func() bool { return listeningRE.MatchString(out.String()) })
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestInvokedAs(t *testing.T) {
	tests := []struct{ argv0, want string }{
		{"/tmp/go-build3619384917/b001/exe/hook", "go run ./cmd/hook"},
		{"hook", "hook"},
		{"./hook", "./hook"},
		{"/usr/local/bin/hook", "/usr/local/bin/hook"},
		{"/home/a b/hook", `'/home/a b/hook'`},
		{"", "hook"},
	}
	for _, tt := range tests {
		if got := cli.InvokedAs(tt.argv0); got != tt.want {
			t.Errorf("cli.InvokedAs(%q) = %q, want %q", tt.argv0, got, tt.want)
		}
	}
}

// TestBannerShowsTheCommandThatRuns: the banner's sign and simulate lines
// run this hook as it was started, not always `go run`.
func TestBannerShowsTheCommandThatRuns(t *testing.T) {
	for _, self := range []string{"hook", "./hook", "go run ./cmd/hook"} {
		var b bytes.Buffer
		printWelcome(&b, "[::]:8080", "KEY", self)
		for _, want := range []string{"| " + self + " sign --key KEY)", "\n  " + self + " simulate --url"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("banner for %q lacks %q:\n%s", self, want, b.String())
			}
		}
		if self != "go run ./cmd/hook" && strings.Contains(b.String(), "go run") {
			t.Errorf("banner for %q says go run:\n%s", self, b.String())
		}
	}
	// The real process: the built binary names itself.
	p := startBinary(t, map[string]string{})
	if want := "| " + hookBinary(t) + " sign --key "; !strings.Contains(p.stdout.String(), want) {
		t.Errorf("the binary's banner lacks %q:\n%s", want, p.stdout.String())
	}
}

// TestHelpWord: `hook outbox help` and `hook catalog help`, which hook took
// before cobra, print the command's help.
func TestHelpWord(t *testing.T) {
	for _, cmd := range []string{"outbox", "silence", "catalog", "completion"} {
		want, _, _ := hookRun(t, nil, cmd, "--help")
		got, _, err := hookRun(t, nil, cmd, "help")
		if err != nil || got != want {
			t.Errorf("hook %s help: %v\n%s\nwant:\n%s", cmd, err, got, want)
		}
	}
}
