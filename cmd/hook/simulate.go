package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/verify"
)

// simConfig is what "hook simulate" reads from its flags.
type simConfig struct {
	url     string
	key     string
	app     string
	callApp string
	speed   float64
	noWait  bool
	which   []simScenario
	self    string // how to start hook, for the hint when it does not answer
}

// flags registers simulate's flags on fs.
func (c *simConfig) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.url, "url", "http://localhost:8080/callback", "hook's callback URL")
	fs.StringVar(&c.key, "key", "", "callback key to sign with: the development key hook prints at startup")
	fromEnv(fs, "key", "TRTC_CALLBACK_KEY")
	fs.StringVar(&c.app, "app", "1400000001", "SdkAppId to send")
	fs.StringVar(&c.callApp, "call-app", "1400000002", "SdkAppId the call scenario sends: a second app, which rules can declare a call app (scene: call)")
	fs.Float64Var(&c.speed, "speed", 1, "time factor: 2 plays the scenarios twice as fast (the rules' own waits stay as they are)")
	fs.BoolVar(&c.noWait, "no-wait", false, "send every callback at once, without the realistic pauses")
}

// resolve checks the flags once parsed and picks the scenarios args name.
func (c *simConfig) resolve(args []string) error {
	if c.key == "" {
		return exitError{code: 2, msg: "hook simulate: --key is required (or set TRTC_CALLBACK_KEY): use the key hook printed at startup"}
	}
	if c.speed <= 0 {
		return exitError{code: 2, msg: "hook simulate: --speed must be positive"}
	}
	name := "all"
	switch len(args) {
	case 0:
	case 1:
		name = args[0]
	default:
		return exitError{code: 2, msg: "hook simulate: at most one SCENARIO"}
	}
	var names []string
	for _, s := range scenarios() {
		names = append(names, s.name)
		if name == s.name || name == "all" && !s.alone {
			c.which = append(c.which, s)
		}
	}
	if len(c.which) == 0 {
		return exitError{code: 2, msg: fmt.Sprintf("hook simulate: unknown scenario %q (use %s or all)", name, strings.Join(names, ", "))}
	}
	return nil
}

// parseSimulate is simulate's command line on its own, for tests.
func parseSimulate(args []string, getenv env, _ io.Writer) (simConfig, error) {
	c := simConfig{self: "hook"}
	fs := pflag.NewFlagSet("hook simulate", pflag.ContinueOnError)
	c.flags(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return c, err
	}
	return c, c.resolve(fs.Args())
}

// newSimulateCmd is `hook simulate`: it plays scenarios against a running
// hook, printing each callback and the answer, so a new user sees real
// pages within a minute.
func newSimulateCmd(c *cli) *cobra.Command {
	sc := simConfig{self: c.self}
	var names, inAll []string
	var list strings.Builder
	for _, s := range scenarios() {
		names = append(names, s.name)
		fmt.Fprintf(&list, "  %-10s %s\n", s.name, s.about)
		if !s.alone {
			inAll = append(inAll, s.name)
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
		Args:      atMost(1, "SCENARIO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := sc.resolve(args); err != nil {
				return err
			}
			return simulate(cmd.Context(), sc, c.stdout)
		},
	}
	sc.flags(cmd.Flags())
	required(cmd, "key")
	return cmd
}

// simCall is one callback of a run, placed on simulate's clock.
type simCall struct {
	at       time.Duration // since the run started, at --speed 1 with the pauses
	app      string        // the SdkAppId header
	scenario *simScenario  // set on a scenario's first callback, for its heading
	room     int
	step     simStep
}

// plan lays the chosen scenarios end to end, each starting a second after
// the last callback of the one before, with ids from ids: exactly what
// cmdSimulate sends and when, and what the tests rehearse.
func (c simConfig) plan(ids func() (int, string)) []simCall {
	var calls []simCall
	var start time.Duration
	for i := range c.which {
		s := &c.which[i]
		app := c.app
		if s.call {
			app = c.callApp
		}
		room, task := ids()
		steps := s.steps(room, task)
		for j, st := range steps {
			call := simCall{at: start + st.at, app: app, room: room, step: st}
			if j == 0 {
				call.scenario = s
			}
			calls = append(calls, call)
		}
		if len(steps) > 0 {
			start += steps[len(steps)-1].at + time.Second
		}
	}
	return calls
}

// simulate plays c's scenarios against a running hook.
func simulate(ctx context.Context, c simConfig, stdout io.Writer) error {
	client := &http.Client{Timeout: 10 * time.Second}
	refused := 0
	// Each callback is due at a fixed time from the start, not after a
	// pause from the one before: slow answers do not push the rest later,
	// so the pages come when the README says.
	began := time.Now()
	for _, call := range c.plan(simIDs) {
		if s := call.scenario; s != nil {
			fmt.Fprintf(stdout, "== %s: %s (room %d, app %s)\n", s.name, s.about, call.room, call.app)
		}
		if !c.noWait && !pause(ctx, time.Until(began.Add(time.Duration(float64(call.at)/c.speed)))) {
			return ctx.Err()
		}
		status, answer, err := c.send(ctx, client, call.app, call.step, time.Now())
		if err != nil {
			return fmt.Errorf("simulate: %s: %w", call.step.what, err)
		}
		fmt.Fprintf(stdout, "  %-50s -> %d %s\n", fmt.Sprintf("%d %s", call.step.typ, call.step.what), status, answer)
		if status != http.StatusOK {
			refused++
		}
	}
	if refused > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("hook simulate: hook refused %d callback(s); a 401 usually means --key is not the server's key", refused)}
	}
	return nil
}

// simBody is the callback body of st as TRTC would send it at now.
func simBody(st simStep, now time.Time) ([]byte, error) {
	info := make(map[string]any, len(st.info)+2)
	for k, v := range st.info {
		info[k] = v
	}
	info["EventTs"] = now.Unix()
	info["EventMsTs"] = now.UnixMilli()
	return json.Marshal(map[string]any{
		"EventGroupId": st.group,
		"EventType":    st.typ,
		"CallbackTs":   now.UnixMilli(),
		"EventInfo":    info,
	})
}

// send posts one step for app, stamped now and signed, and returns hook's answer.
func (c simConfig) send(ctx context.Context, client *http.Client, app string, st simStep, now time.Time) (int, string, error) {
	body, err := simBody(st, now)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, "", fmt.Errorf("bad --url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("SdkAppId", app)
	req.Header.Set("Sign", verify.Sign([]byte(c.key), body))
	resp, err := client.Do(req)
	if err != nil {
		var hint string
		if !errors.Is(err, context.Canceled) {
			hint = " (is hook running? start it with: " + cmp.Or(c.self, "hook") + ")"
		}
		return 0, "", fmt.Errorf("%w%s", err, hint)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
	return resp.StatusCode, strings.TrimSpace(string(answer)), nil
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
