package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/simulate"
)

// parseSimulate is simulate's command line on its own, for tests.
func parseSimulate(args []string, getenv env, _ io.Writer) (simulate.Options, error) {
	c := simulate.Options{Self: "hook"}
	fs := pflag.NewFlagSet("hook simulate", pflag.ContinueOnError)
	c.Flags(fs)
	if err := cli.ParseFlags(fs, args, getenv); err != nil {
		return c, err
	}
	return c, c.Resolve(fs.Args())
}

// newSimulateCmd is `hook simulate`: it plays scenarios against a running
// hook, printing each callback and the answer, so a new user sees real
// pages within a minute.
func newSimulateCmd(c *proc) *cobra.Command {
	sc := simulate.Options{Self: c.self}
	var names, inAll []string
	var list strings.Builder
	for _, s := range simulate.Scenarios() {
		names = append(names, s.Name)
		fmt.Fprintf(&list, "  %-10s %s\n", s.Name, s.About)
		if !s.Alone {
			inAll = append(inAll, s.Name)
		}
	}
	fmt.Fprintf(&list, "  %-10s %s, one after the other (default)", "all", strings.Join(inAll, ", "))
	cmd := &cobra.Command{
		Use:   "simulate [SCENARIO]",
		Short: "Send realistic signed callbacks to a running hook",
		Long:  "Sends realistic, signed callbacks with fresh timestamps to a running hook,\npaced as TRTC sends them, and prints each with hook's answer. Scenarios:\n\n" + list.String(),
		Example: `  hook simulate --key KEY
  hook simulate --key KEY --no-wait relay`,
		ValidArgs: append(names, "all"),
		Args:      cli.AtMost(1, "SCENARIO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := sc.Resolve(args); err != nil {
				return err
			}
			return simulate.Run(cmd.Context(), sc, &http.Client{Timeout: 10 * time.Second}, time.Now, pause, c.stdout)
		},
	}
	sc.Flags(cmd.Flags())
	cli.Required(cmd, "key")
	return cmd
}

// pause is how simulate waits for a callback's time: sleep, except in the
// tests of the docs' commands, which play scenarios at once.
var pause = sleep

// sleep waits for d or ctx; it reports whether the full wait elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
