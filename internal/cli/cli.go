// Package cli is hook's command line conventions, on cobra: every flag may
// fall back on an environment variable (FromEnv) and its help says so;
// required flags and arguments are refused with messages that say what to
// give; an answer that is not a failure (an unknown id, bad usage) is an
// Exit with its status and message, printed once (Status); Go-style
// single-dash flags keep working. The commands themselves are cmd/hook's.
package cli

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

// Exit carries a process exit status and an optional message for main to
// print. Commands return it when the outcome is an answer ("invalid",
// "unknown id") rather than a failure of hook itself. Status 2 is a usage
// error: usage is then the command's usage, printed after the message
// (Run fills it in).
type Exit struct {
	Code  int
	Msg   string
	Usage string
}

func (e Exit) Error() string { return e.Msg }

// HelpCommand is `hook help [COMMAND]`: exactly what `hook COMMAND --help`
// prints, on stdout; an unknown command is a usage error.
func HelpCommand() *cobra.Command {
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
				return Exit{Code: 2, Msg: fmt.Sprintf("hook help: unknown command %q", strings.Join(args, " ")),
					Usage: cmd.Root().UsageString()}
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// Run executes args on root, hook's command tree, and sorts what went wrong:
//
//   - a command line hook cannot run (unknown command or flag, a missing
//     required flag, wrong arguments): Exit 2 with the command's usage;
//   - an answer of a command (Exit): as it is, with the usage when it is
//     a usage error (2);
//   - anything else a command returned: the error itself (main exits 1).
func Run(ctx context.Context, root *cobra.Command, args []string) error {
	ran := false // whether a command's RunE was reached: errors before it are the command line's
	Walk(root, func(cmd *cobra.Command) {
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
	root.SetArgs(DoubleDash(root, args))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	if cmd == nil {
		cmd = root
	}
	var exit Exit
	switch {
	case errors.As(err, &exit):
	case ran:
		return err
	case strings.HasPrefix(err.Error(), "required flag(s)"):
		exit = Exit{Code: 2, Msg: cmd.CommandPath() + ": " + MissingRequired(cmd)}
	default:
		msg := err.Error()
		if !strings.HasPrefix(msg, "unknown command") {
			msg = cmd.CommandPath() + ": " + msg
		} else {
			msg = "hook: " + msg
		}
		exit = Exit{Code: 2, Msg: msg}
	}
	if exit.Code == 2 && exit.Usage == "" {
		exit.Usage = cmd.UsageString()
	}
	return exit
}

// Walk calls f on cmd and every command below it.
func Walk(cmd *cobra.Command, f func(*cobra.Command)) {
	f(cmd)
	for _, sub := range cmd.Commands() {
		Walk(sub, f)
	}
}

// Positional argument checks with messages that say what to give.

// NoArgs refuses any argument; hint says what to do instead.
func NoArgs(hint string) cobra.PositionalArgs {
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

// AtMost allows up to n arguments, named what.
func AtMost(n int, what string) cobra.PositionalArgs {
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

// AtLeastOne wants one argument or more; msg says what.
func AtLeastOne(msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return errors.New(msg)
		}
		return nil
	}
}

// ExactlyOne wants one argument; msg says what.
func ExactlyOne(msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return errors.New(msg)
		}
		return nil
	}
}

// NeedsSubcommand is the RunE of a command that only groups others
// (silence, outbox): without one, or with an unknown one, it is a usage error.
func NeedsSubcommand(cmd *cobra.Command, args []string) error {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	switch {
	case len(args) == 0:
		return Exit{Code: 2, Msg: fmt.Sprintf("%s: give a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))}
	case len(args) == 1 && args[0] == "help": // `hook outbox help`, as before cobra
		return cmd.Help()
	}
	return Exit{Code: 2, Msg: fmt.Sprintf("%s: unknown subcommand %q (use %s)", cmd.CommandPath(), args[0], strings.Join(names, ", "))}
}

// InvokedAs is how the user ran this program, from os.Args[0], for the
// commands hook prints: "go run ./cmd/hook" for a binary go run built (it
// lives in go-build.../exe/), the name as typed when the shell found it on
// PATH ("hook"), else the path as typed ("./hook", "/usr/local/bin/hook").
func InvokedAs(argv0 string) string {
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
	return ShellQuote(argv0)
}

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Status is the process's exit status for what Run returned, after
// printing what goes with it on stderr: an Exit is an answer (its
// message and usage, its status); any other error is a failure, status 1.
func Status(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var exit Exit
	if errors.As(err, &exit) { // an answer, not a failure: print it, exit with its status
		if exit.Msg != "" {
			fmt.Fprintln(stderr, exit.Msg)
		}
		if exit.Usage != "" {
			fmt.Fprint(stderr, "\n"+exit.Usage)
		}
		return exit.Code
	}
	fmt.Fprintln(stderr, "hook:", err)
	return 1
}
