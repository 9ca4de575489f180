package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// exitError carries a process exit status and an optional message for main to print.
// Commands return it when the outcome is an answer ("invalid", "unknown id") rather
// than a failure of hook itself.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// env is how commands read the process environment; tests pass a map lookup.
type env func(string) string

const usage = `hook turns signed TRTC callbacks into on-call pages.

Usage:
  hook [serve] [flags]           run the callback server (default)
  hook sign --key KEY [FILE]      print the Sign header value for a body (stdin if no FILE)
  hook catalog TABLE ID [P1] [P2] decode a TRTC id (tables: sdk, webrtc, experience, dismissal, realtime, callback)
  hook catalog list [TABLE] [--json]
  hook rehearse [--rules FILE] EVENTS.json...  replay timed callbacks on in-memory state: what pages when
  hook silence add|list|expire    manage silences on a running server (needs HOOK_ADMIN_TOKEN)
  hook version                    print the version

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
		return cmdServe(ctx, args, getenv, stdout, stderr)
	case "sign":
		return cmdSign(args, getenv, stdin, stdout, stderr)
	case "catalog":
		return cmdCatalog(args, stdout, stderr)
	case "rehearse":
		return cmdRehearse(ctx, args, getenv, stdout, stderr)
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
