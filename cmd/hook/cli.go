package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/cli"
)

// proc is what every command gets from the process: main passes the real
// environment and streams, tests fakes. Commands take their context from
// cobra (cmd.Context()), which run sets.
type proc struct {
	getenv         env
	stdin          io.Reader
	stdout, stderr io.Writer
	// self is how to run this hook again, for the commands it prints (the
	// serve banner's sign and simulate lines): see cli.InvokedAs.
	self string
}

// newRootCmd builds hook's command tree. The root command is serve, so
// `hook` alone (and `go run ./cmd/hook`) runs the server. Adding a command
// is a constructor in its own file, func(*proc) *cobra.Command, listed here.
func newRootCmd(c *proc) *cobra.Command {
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
	root.SetHelpCommand(cli.HelpCommand())
	// cobra's `hook completion bash|zsh|fish|powershell`, made here rather
	// than when it executes, so that it is part of the tree (help, tests)
	// and `hook completion tcsh` is a usage error like any other.
	root.InitDefaultCompletionCmd()
	for _, sub := range root.Commands() {
		if sub.Name() == "completion" {
			sub.Args, sub.RunE = cobra.ArbitraryArgs, cli.NeedsSubcommand
		}
	}
	root.SetHelpTemplate(helpTemplate)
	// run prints errors and usage (through main), once, its own way.
	root.SilenceErrors, root.SilenceUsage = true, true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return cli.Exit{Code: 2, Msg: cmd.CommandPath() + ": " + err.Error()}
	})
	// Flags not given take their environment variable (cli.FromEnv), before
	// cobra checks the required ones.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return cli.ApplyEnv(cmd.Flags(), c.getenv)
	}
	cli.DescribeFlags(root)
	return root
}

// run is the whole program: main calls it with the real process state, tests
// with fakes. self is "hook" here; main passes how it was really run.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return runCLI(ctx, &proc{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, self: "hook"}, args)
}

// runCLI runs args on hook's command tree for c (see cli.Run).
func runCLI(ctx context.Context, c *proc, args []string) error {
	return cli.Run(ctx, newRootCmd(c), args)
}
