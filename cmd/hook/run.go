package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// exitError carries a process exit status and an optional message for main to print.
// Commands return it when the outcome is an answer ("invalid", "unknown id") rather
// than a failure of hook itself.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// flagError turns a flag parsing failure into an exit status: 0 for -h/--help
// (the usage was printed as asked), 2 for bad flags (the flag package already
// printed what was wrong).
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return exitError{code: 0}
	}
	return exitError{code: 2}
}

// flagsFirst moves flags ahead of positional arguments, so that
// `hook silence add room=8489 --for 2h` means what it says: the flag package
// stops at the first positional argument. Everything after "--" stays
// positional.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if hasValue || f == nil || isBoolFlag(f) || i+1 == len(args) {
			continue
		}
		flags = append(flags, args[i+1]) // the flag's value
		i++
	}
	return append(append(flags, "--"), positional...)
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// helpAsked reports whether args ask for help (-h, -help, --help) before any "--".
func helpAsked(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// stoppedMessage is hook serve's last log line: what became of the pages not
// yet delivered. With the in-process Redis (no HOOK_REDIS_URL) the outbox
// is gone with the process.
func stoppedMessage(redisURL string) string {
	if redisURL == "" {
		return "stopped; pages not yet delivered are lost with the in-process Redis (set HOOK_REDIS_URL to keep them)"
	}
	return "stopped; undelivered pages stay in the outbox"
}

// env is how commands read the process environment; tests pass a map lookup.
type env func(string) string

const usage = `hook turns signed TRTC callbacks into on-call pages.

Usage:
  hook [serve] [flags]           run the callback server (default)
  hook sign --key KEY [FILE]      print the Sign header value for a body (stdin if no FILE)
  hook check [--rules FILE]       validate a rules file; all errors as file:line:col
  hook test [--rules FILE] EVENT.json...  dry-run callback bodies through the rules (sends nothing)
  hook test --sequence EVENTS.json...     rehearse a timeline on in-memory state: what pages when
  hook backtest --rules NEW.yaml [--since 24h]  what the recorded callbacks would have paged under NEW.yaml
  hook catalog TABLE ID [P1] [P2] decode a TRTC id (tables: sdk, webrtc, experience, dismissal, realtime, callback)
  hook catalog list [TABLE] [--json]
  hook silence add|list|expire    manage silences on a running server (admin API, HOOK_ADMIN_TOKEN)
  hook outbox list|retry|drop     inspect and manage undelivered pages (admin API, HOOK_ADMIN_TOKEN)
  hook simulate [flags] [SCENARIO] send realistic signed callbacks to a running hook (room, recording, relay, storm, all)
  hook health [--url URL]         exit 0 iff a running hook answers 200 (the container HEALTHCHECK)
  hook version                    print the version (also: hook --version)

Run "hook COMMAND --help" for a command's flags.
`

// run is the whole program: main calls it with the real process state, tests with fakes.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "--version") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		if helpAsked(args) {
			// `hook --help` is the first thing a newcomer types: show the
			// commands too, not only the server's flags (which follow).
			fmt.Fprint(stderr, usage+"\n")
		}
		return cmdServe(ctx, args, getenv, stdout, stderr)
	case "sign":
		return cmdSign(args, getenv, stdin, stdout, stderr)
	case "check":
		return cmdCheck(args, getenv, stdout, stderr)
	case "test":
		return cmdTest(ctx, args, getenv, stdout, stderr)
	case "backtest":
		return cmdBacktest(ctx, args, getenv, stdout, stderr)
	case "catalog":
		return cmdCatalog(args, stdout, stderr)
	case "outbox":
		return cmdOutbox(ctx, args, getenv, stdout, stderr, &http.Client{Timeout: 10 * time.Second})
	case "simulate":
		return cmdSimulate(ctx, args, getenv, stdout, stderr)
	case "health":
		return cmdHealth(ctx, args, stdout, stderr)
	case "silence":
		return cmdSilence(ctx, args, getenv, stdout, stderr)
	case "version", "--version", "-version":
		return cmdVersion(stdout)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return exitError{code: 2, msg: fmt.Sprintf("hook: unknown command %q\n\n%s", cmd, usage)}
	}
}
