package main

import (
	"cmp"
	"context"
	"errors"
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

// simConfig is what "hook simulate" reads from its flags.
type simConfig struct {
	url     string
	key     string
	app     string
	callApp string
	speed   float64
	noWait  bool
	which   []simulate.Scenario
	self    string // how to start hook, for the hint when it does not answer
}

// flags registers simulate's flags on fs.
func (c *simConfig) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.url, "url", "http://localhost:8080/callback", "hook's callback URL")
	fs.StringVar(&c.key, "key", "", "callback key to sign with: the development key hook prints at startup")
	cli.FromEnv(fs, "key", "TRTC_CALLBACK_KEY")
	fs.StringVar(&c.app, "app", "1400000001", "SdkAppId to send")
	fs.StringVar(&c.callApp, "call-app", "1400000002", "SdkAppId the call scenario sends: a second app, which rules can declare a call app (scene: call)")
	fs.Float64Var(&c.speed, "speed", 1, "time factor: 2 plays the scenarios twice as fast (the rules' own waits stay as they are)")
	fs.BoolVar(&c.noWait, "no-wait", false, "send every callback at once, without the realistic pauses")
}

// resolve checks the flags once parsed and picks the scenarios args name.
func (c *simConfig) resolve(args []string) error {
	if c.key == "" {
		return cli.Exit{Code: 2, Msg: "hook simulate: --key is required (or set TRTC_CALLBACK_KEY): use the key hook printed at startup"}
	}
	if c.speed <= 0 {
		return cli.Exit{Code: 2, Msg: "hook simulate: --speed must be positive"}
	}
	name := "all"
	switch len(args) {
	case 0:
	case 1:
		name = args[0]
	default:
		return cli.Exit{Code: 2, Msg: "hook simulate: at most one SCENARIO"}
	}
	var names []string
	for _, s := range simulate.Scenarios() {
		names = append(names, s.Name)
		if name == s.Name || name == "all" && !s.Alone {
			c.which = append(c.which, s)
		}
	}
	if len(c.which) == 0 {
		return cli.Exit{Code: 2, Msg: fmt.Sprintf("hook simulate: unknown scenario %q (use %s or all)", name, strings.Join(names, ", "))}
	}
	return nil
}

// parseSimulate is simulate's command line on its own, for tests.
func parseSimulate(args []string, getenv env, _ io.Writer) (simConfig, error) {
	c := simConfig{self: "hook"}
	fs := pflag.NewFlagSet("hook simulate", pflag.ContinueOnError)
	c.flags(fs)
	if err := cli.ParseFlags(fs, args, getenv); err != nil {
		return c, err
	}
	return c, c.resolve(fs.Args())
}

// newSimulateCmd is `hook simulate`: it plays scenarios against a running
// hook, printing each callback and the answer, so a new user sees real
// pages within a minute.
func newSimulateCmd(c *proc) *cobra.Command {
	sc := simConfig{self: c.self}
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
			if err := sc.resolve(args); err != nil {
				return err
			}
			return playScenarios(cmd.Context(), sc, c.stdout)
		},
	}
	sc.flags(cmd.Flags())
	cli.Required(cmd, "key")
	return cmd
}

// playScenarios plays c's scenarios against a running hook.
func playScenarios(ctx context.Context, c simConfig, stdout io.Writer) error {
	client := &http.Client{Timeout: 10 * time.Second}
	refused := 0
	// Each callback is due at a fixed time from the start, not after a
	// pause from the one before: slow answers do not push the rest later,
	// so the pages come when the README says.
	began := time.Now()
	for _, call := range c.plan(simulate.IDs) {
		if s := call.Scenario; s != nil {
			fmt.Fprintf(stdout, "== %s: %s (room %d, app %s)\n", s.Name, s.About, call.Room, call.App)
		}
		if !c.noWait && !pause(ctx, time.Until(began.Add(time.Duration(float64(call.At)/c.speed)))) {
			return ctx.Err()
		}
		status, answer, err := c.send(ctx, client, call.App, call.Step, time.Now())
		if err != nil {
			return fmt.Errorf("simulate: %s: %w", call.Step.What, err)
		}
		fmt.Fprintf(stdout, "  %-50s -> %d %s\n", fmt.Sprintf("%d %s", call.Step.Type, call.Step.What), status, answer)
		if status != http.StatusOK {
			refused++
		}
	}
	if refused > 0 {
		return cli.Exit{Code: 1, Msg: fmt.Sprintf("hook simulate: hook refused %d callback(s); a 401 usually means --key is not the server's key", refused)}
	}
	return nil
}

// send posts one step for app, stamped now and signed, and returns hook's
// answer; an error says how to start hook when it did not answer.
func (c simConfig) send(ctx context.Context, client *http.Client, app string, st simulate.Step, now time.Time) (int, string, error) {
	status, answer, err := simulate.Send(ctx, client, c.url, c.key, app, st, now)
	if err != nil && !strings.HasPrefix(err.Error(), "bad --url") && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("%w (is hook running? start it with: %s)", err, cmp.Or(c.self, "hook"))
	}
	return status, answer, err
}

// plan is what c sends and when, with ids from ids.
func (c simConfig) plan(ids func() (int, string)) []simulate.Call {
	return simulate.Plan(c.which, c.app, c.callApp, ids)
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
