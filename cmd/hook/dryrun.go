package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/rules"
)

// newTestCmd is `hook test`, a dry run: for each callback body it shows the
// decoded event, every rule's verdict and why, the dedup key and the page
// that would go out. It sends nothing and touches no Redis; no signature is
// needed.
//
// With --sequence the files are one timeline instead (see runSequence).
func newTestCmd(c *proc) *cobra.Command {
	var o testOptions
	cmd := &cobra.Command{
		Use:   "test EVENT.json...",
		Short: "Dry-run callback bodies through the rules (sends nothing)",
		Long: `Dry-runs callback bodies through the rules: the decoded event, every rule's
verdict and why, the dedup key and the page that would go out. It sends
nothing and touches no Redis; no signature is needed.

With --sequence the files (each a body or a JSON array of bodies) are one
timeline, ordered by EventMsTs, played on in-memory state with a simulated
clock: what pages when.`,
		Example: `  hook test --rules rules.yaml examples/user-timeout.json
  hook test --sequence examples/outage.json`,
		Args: cli.AtLeastOne("give one or more callback bodies (EVENT.json)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return dryRunFiles(cmd.Context(), o, args, c.getenv, c.stdout)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.rules, "rules", "", "rules file; without one, the embedded rules.example.yaml")
	cli.FromEnv(fs, "rules", "HOOK_RULES")
	fs.StringVar(&o.app, "app", "1400000001", "the SdkAppId header the callbacks arrive with")
	fs.BoolVar(&o.sequence, "sequence", false, "treat the files as one timeline on in-memory state: what pages when")
	fs.DurationVar(&o.settle, "settle", rehearsal.Settle, "with --sequence: keep firing timers this long after the last event")
	return cmd
}

// testOptions are the flags of `hook test`.
type testOptions struct {
	rules, app string
	sequence   bool
	settle     time.Duration
}

func dryRunFiles(ctx context.Context, o testOptions, files []string, getenv env, stdout io.Writer) error {
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("load catalogue: %w", err)
	}
	// Secrets are irrelevant to a dry run: a missing key variable must not stop it.
	rs, err := compileRules(o.rules, cat, func(k string) string { return cmp.Or(getenv(k), "unused-in-hook-test") })
	if err != nil {
		var le *rules.LoadError
		if errors.As(err, &le) {
			return cli.Exit{Code: 1, Msg: le.Annotated()}
		}
		return cli.Exit{Code: 1, Msg: "hook test: " + err.Error()}
	}
	if o.sequence {
		return runSequence(ctx, rs, cat, o.app, o.settle, files, stdout)
	}
	rejected := 0
	for i, file := range files {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := rehearsal.DryRun(stdout, rs, cat, o.app, file, time.Now()); err != nil {
			fmt.Fprintf(stdout, "%s: REJECTED: %v\n", file, err)
			rejected++
		}
	}
	if rejected > 0 {
		return cli.Exit{Code: 1, Msg: fmt.Sprintf("hook test: %d of %d bodies would be rejected", rejected, len(files))}
	}
	return nil
}

// runSequence is `hook test --sequence`: it runs callbacks through the rules
// on in-memory state (an in-process Redis and a simulated clock), in EventMsTs
// order, firing due timers between them, and prints what would be paged
// when: storms, drops and returns, rehearsed without a server.
func runSequence(ctx context.Context, rs *rules.Ruleset, cat *catalog.Catalog, appID string, settle time.Duration, files []string, stdout io.Writer) error {
	var events []callback.Event
	for _, path := range files {
		evs, err := rehearsal.ReadEvents(path, appID)
		if err != nil {
			return cli.Exit{Code: 1, Msg: "hook test: " + err.Error()}
		}
		events = append(events, evs...)
	}
	steps, err := rehearsal.Run(ctx, cat, rs, events, settle)
	if err != nil {
		return err
	}
	rehearsal.Print(stdout, steps)
	return nil
}
