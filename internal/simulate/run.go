package simulate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
)

// Options are what hook simulate reads from its flags.
type Options struct {
	URL     string
	Key     string
	App     string
	CallApp string
	Speed   float64
	NoWait  bool
	Which   []Scenario
	Self    string // how to start hook, for the hint when it does not answer
}

// Flags registers simulate's flags on fs.
func (c *Options) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.URL, "url", "http://localhost:8080/callback", "hook's callback URL")
	fs.StringVar(&c.Key, "key", "", "callback key to sign with: the development key hook prints at startup")
	cli.FromEnv(fs, "key", "TRTC_CALLBACK_KEY")
	fs.StringVar(&c.App, "app", "1400000001", "SdkAppId to send")
	fs.StringVar(&c.CallApp, "call-app", "1400000002", "SdkAppId the call scenario sends: a second app, which rules can declare a call app (scene: call)")
	fs.Float64Var(&c.Speed, "speed", 1, "time factor: 2 plays the scenarios twice as fast (the rules' own waits stay as they are)")
	fs.BoolVar(&c.NoWait, "no-wait", false, "send every callback at once, without the realistic pauses")
}

// Resolve checks the flags once parsed and picks the scenarios args name.
func (c *Options) Resolve(args []string) error {
	if c.Key == "" {
		return cli.Exit{Code: 2, Msg: "hook simulate: --key is required (or set TRTC_CALLBACK_KEY): use the key hook printed at startup"}
	}
	if c.Speed <= 0 {
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
	for _, s := range Scenarios() {
		names = append(names, s.Name)
		if name == s.Name || name == "all" && !s.Alone {
			c.Which = append(c.Which, s)
		}
	}
	if len(c.Which) == 0 {
		return cli.Exit{Code: 2, Msg: fmt.Sprintf("hook simulate: unknown scenario %q (use %s or all)", name, strings.Join(names, ", "))}
	}
	return nil
}

// Run plays c's scenarios against a running hook, printing each callback
// and hook's answer to stdout. now is the clock the callbacks are stamped
// with; pause waits for a callback's time (false: ctx ended first).
func Run(ctx context.Context, c Options, client *http.Client, now func() time.Time, pause func(context.Context, time.Duration) bool, stdout io.Writer) error {
	refused := 0
	// Each callback is due at a fixed time from the start, not after a
	// pause from the one before: slow answers do not push the rest later,
	// so the pages come when the README says.
	began := now()
	for _, call := range c.Plan(IDs) {
		if s := call.Scenario; s != nil {
			fmt.Fprintf(stdout, "== %s: %s (room %d, app %s)\n", s.Name, s.About, call.Room, call.App)
		}
		if !c.NoWait && !pause(ctx, began.Add(time.Duration(float64(call.At)/c.Speed)).Sub(now())) {
			return ctx.Err()
		}
		status, answer, err := c.send(ctx, client, call.App, call.Step, now())
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
func (c Options) send(ctx context.Context, client *http.Client, app string, st Step, now time.Time) (int, string, error) {
	status, answer, err := Send(ctx, client, c.URL, c.Key, app, st, now)
	if err != nil && !strings.HasPrefix(err.Error(), "bad --url") && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("%w (is hook running? start it with: %s)", err, cmp.Or(c.Self, "hook"))
	}
	return status, answer, err
}

// Plan is what c sends and when, with ids from ids.
func (c Options) Plan(ids func() (int, string)) []Call {
	return Plan(c.Which, c.App, c.CallApp, ids)
}
