package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// cli is what every command gets from the process: main passes the real
// environment and streams, tests fakes. Commands take their context from
// cobra (cmd.Context()), which run sets.
type cli struct {
	getenv         env
	stdin          io.Reader
	stdout, stderr io.Writer
	// self is how to run this hook again, for the commands it prints (the
	// serve banner's sign and simulate lines): see invokedAs.
	self string
}

// newRootCmd builds hook's command tree. The root command is serve, so
// `hook` alone (and `go run ./cmd/hook`) runs the server. Adding a command
// is a constructor in its own file, func(*cli) *cobra.Command, listed here.
func newRootCmd(c *cli) *cobra.Command {
	root := newServeCmd(c, "hook")
	root.Short = "hook turns signed TRTC callbacks into on-call pages"
	root.Long = `hook turns signed Tencent RTC (TRTC) server callbacks into on-call pages.

Without a command it runs the callback server (hook serve), with the flags below.`
	root.Example = `  hook                                  # serve the embedded example rules on :8080
  hook check --rules rules.yaml         # validate a rules file
  hook simulate --key KEY               # play realistic callbacks to a running hook
  hook silence add --comment "load test" room=8489`
	root.SetOut(c.stdout) // first: the completion command keeps the writer it finds
	root.SetErr(c.stderr)
	root.SetIn(c.stdin)
	root.Args = nil // an argument is a command: cobra says "unknown command" for others
	root.Version = version()
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(
		newServeCmd(c, "serve"),
		newSignCmd(c),
		newCheckCmd(c),
		newTestCmd(c),
		newBacktestCmd(c),
		newCatalogCmd(c),
		newSimulateCmd(c),
		newHealthCmd(c),
		newSilenceCmd(c),
		newOutboxCmd(c),
		newVersionCmd(c),
	)
	root.SetHelpCommand(newHelpCmd())
	// cobra's `hook completion bash|zsh|fish|powershell`, made here rather
	// than when it executes, so that it is part of the tree (help, tests)
	// and `hook completion tcsh` is a usage error like any other.
	root.InitDefaultCompletionCmd()
	for _, sub := range root.Commands() {
		if sub.Name() == "completion" {
			sub.Args, sub.RunE = cobra.ArbitraryArgs, needsSubcommand
		}
	}
	root.SetHelpTemplate(helpTemplate)
	// run prints errors and usage (through main), once, its own way.
	root.SilenceErrors, root.SilenceUsage = true, true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return exitError{code: 2, msg: cmd.CommandPath() + ": " + err.Error()}
	})
	// Flags not given take their environment variable (fromEnv), before
	// cobra checks the required ones.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return applyEnv(cmd.Flags(), c.getenv)
	}
	describeFlags(root)
	return root
}

// newHelpCmd is `hook help [COMMAND]`: exactly what `hook COMMAND --help`
// prints, on stdout; an unknown command is a usage error.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Help about any command (the same as hook COMMAND --help)",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, _, err := cmd.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range target.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return exitError{code: 2, msg: fmt.Sprintf("hook help: unknown command %q", strings.Join(args, " ")),
					usage: cmd.Root().UsageString()}
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// run is the whole program: main calls it with the real process state, tests
// with fakes. self is "hook" here; main passes how it was really run.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return runCLI(ctx, &cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, self: "hook"}, args)
}

// runCLI executes args on hook's command tree and sorts what went wrong:
//
//   - a command line hook cannot run (unknown command or flag, a missing
//     required flag, wrong arguments): exitError 2 with the command's usage;
//   - an answer of a command (exitError): as it is, with the usage when it is
//     a usage error (2);
//   - anything else a command returned: the error itself (main exits 1).
func runCLI(ctx context.Context, c *cli, args []string) error {
	root := newRootCmd(c)
	ran := false // whether a command's RunE was reached: errors before it are the command line's
	walk(root, func(cmd *cobra.Command) {
		if f := cmd.RunE; f != nil {
			cmd.RunE = func(cmd *cobra.Command, args []string) error {
				ran = true
				return f(cmd, args)
			}
		}
	})
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(doubleDash(root, args))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	if cmd == nil {
		cmd = root
	}
	var exit exitError
	switch {
	case errors.As(err, &exit):
	case ran:
		return err
	case strings.HasPrefix(err.Error(), "required flag(s)"):
		exit = exitError{code: 2, msg: cmd.CommandPath() + ": " + missingRequired(cmd)}
	default:
		msg := err.Error()
		if !strings.HasPrefix(msg, "unknown command") {
			msg = cmd.CommandPath() + ": " + msg
		} else {
			msg = "hook: " + msg
		}
		exit = exitError{code: 2, msg: msg}
	}
	if exit.code == 2 && exit.usage == "" {
		exit.usage = cmd.UsageString()
	}
	return exit
}

func walk(cmd *cobra.Command, f func(*cobra.Command)) {
	f(cmd)
	for _, sub := range cmd.Commands() {
		walk(sub, f)
	}
}

// Positional argument checks with messages that say what to give.

// noArgs refuses any argument; hint says what to do instead.
func noArgs(hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			msg := fmt.Sprintf("unexpected argument %q", args[0])
			if hint != "" {
				msg += " (" + hint + ")"
			}
			return errors.New(msg)
		}
		return nil
	}
}

// atMost allows up to n arguments, named what.
func atMost(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > n {
			count := strconv.Itoa(n)
			if n == 1 {
				count = "one"
			}
			return fmt.Errorf("at most %s %s", count, what)
		}
		return nil
	}
}

// atLeastOne wants one argument or more; msg says what.
func atLeastOne(msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return errors.New(msg)
		}
		return nil
	}
}

// exactlyOne wants one argument; msg says what.
func exactlyOne(msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return errors.New(msg)
		}
		return nil
	}
}

// needsSubcommand is the RunE of a command that only groups others
// (silence, outbox): without one, or with an unknown one, it is a usage error.
func needsSubcommand(cmd *cobra.Command, args []string) error {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	switch {
	case len(args) == 0:
		return exitError{code: 2, msg: fmt.Sprintf("%s: give a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))}
	case len(args) == 1 && args[0] == "help": // `hook outbox help`, as before cobra
		return cmd.Help()
	}
	return exitError{code: 2, msg: fmt.Sprintf("%s: unknown subcommand %q (use %s)", cmd.CommandPath(), args[0], strings.Join(names, ", "))}
}

// invokedAs is how the user ran this program, from os.Args[0], for the
// commands hook prints: "go run ./cmd/hook" for a binary go run built (it
// lives in go-build.../exe/), the name as typed when the shell found it on
// PATH ("hook"), else the path as typed ("./hook", "/usr/local/bin/hook").
func invokedAs(argv0 string) string {
	if argv0 == "" {
		return "hook"
	}
	dir := filepath.Dir(argv0)
	if filepath.Base(dir) == "exe" && strings.Contains(filepath.ToSlash(dir), "/go-build") {
		return "go run ./cmd/hook"
	}
	if !strings.ContainsRune(argv0, filepath.Separator) && !strings.ContainsRune(argv0, '/') {
		return argv0
	}
	return shellQuote(argv0)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
