package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/notify"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/rules"
)

// newTestCmd is `hook test`, a dry run: for each callback body it shows the
// decoded event, every rule's verdict and why, the dedup key and the page
// that would go out. It sends nothing and touches no Redis; no signature is
// needed.
//
// With --sequence the files are one timeline instead (see runSequence).
func newTestCmd(c *cli) *cobra.Command {
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
		Args: atLeastOne("give one or more callback bodies (EVENT.json)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return dryRunFiles(cmd.Context(), o, args, c.getenv, c.stdout)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.rules, "rules", "", "rules file; without one, the embedded rules.example.yaml")
	fromEnv(fs, "rules", "HOOK_RULES")
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
			return exitError{code: 1, msg: le.Annotated()}
		}
		return exitError{code: 1, msg: "hook test: " + err.Error()}
	}
	if o.sequence {
		return runSequence(ctx, rs, cat, o.app, o.settle, files, stdout)
	}
	rejected := 0
	for i, file := range files {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := dryRun(stdout, rs, cat, o.app, file); err != nil {
			fmt.Fprintf(stdout, "%s: REJECTED: %v\n", file, err)
			rejected++
		}
	}
	if rejected > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("hook test: %d of %d bodies would be rejected", rejected, len(files))}
	}
	return nil
}

func dryRun(w io.Writer, rs *rules.Ruleset, cat *catalog.Catalog, app, file string) error {
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	ev, err := callback.Decode(app, body)
	if err != nil {
		return fmt.Errorf("400 Bad Request: %w", err)
	}
	facts := match.NewFacts(cat, ev)
	facts.Scene = rs.Scene(ev.AppID)
	fmt.Fprintf(w, "%s: app %s, room %q, user %q, at %s\n", file, ev.AppID, ev.RoomID, ev.UserID, facts.Time.Format(time.RFC3339))
	for _, c := range facts.Codes() {
		fmt.Fprintf(w, "  %-12s %d %s: %s\n", c.Field, c.Value, c.Name, c.Meaning)
	}
	for _, kv := range [][2]string{{"scene", facts.Scene}, {"task", facts.Task}, {"error_code", facts.ErrorCode}, {"error", facts.ErrorMessage}, {"url", facts.URL}} {
		if kv[1] != "" {
			fmt.Fprintf(w, "  %-12s %s\n", kv[0], kv[1])
		}
	}
	verdicts, err := engine.Explain(rs, &facts, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "rules:")
	paged := 0
	for _, v := range verdicts {
		mark := "no   "
		switch {
		case v.Clears:
			mark = "CLEAR"
		case v.Matched:
			mark = "MATCH"
		case !v.Considered:
			mark = "skip "
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, v.Rule, v.Why)
		if v.Clears {
			paged++ // not routine: it reaches the store
			continue
		}
		if v.Alert == nil {
			continue
		}
		paged++
		if v.State == "" {
			fmt.Fprintf(w, "        dedup key %s (window %s)\n", v.Alert.DedupKey, shortDuration(v.Alert.Window))
		} else {
			fmt.Fprintf(w, "        %s\n", v.State)
			fmt.Fprintln(w, "        (hook test --sequence shows when it would page)")
		}
		for _, r := range v.Alert.Receivers {
			p := v.Alert.Notification
			p.Receiver = r
			fmt.Fprintf(w, "        page to %s (%s%s):\n", p.Receiver.Name, p.Receiver.Kind, channelOf(p.Receiver))
			for _, line := range strings.Split(strings.TrimRight(notify.RenderText(p), "\n"), "\n") {
				fmt.Fprintf(w, "          %s\n", line)
			}
		}
	}
	if paged == 0 {
		fmt.Fprintln(w, "no rule matched: TRTC gets 200 and nobody is paged")
	}
	return nil
}

func channelOf(r alert.Receiver) string {
	if r.Channel == "" {
		return ""
	}
	return " " + r.Channel
}

// shortDuration writes 10m rather than 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}
