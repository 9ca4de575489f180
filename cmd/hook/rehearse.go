package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/notify"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/rules"
)

// cmdRehearse runs a sequence of callbacks through the rules on in-memory
// state, in EventMsTs order, and prints what would be paged when: storms,
// drops and returns, without a server and without sending anything.
// (Meant to become `hook test`'s sequence mode.)
func cmdRehearse(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hook rehearse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rulesPath := fs.String("rules", getenv("HOOK_RULES"), "rules file ($HOOK_RULES; default: the embedded rules.example.yaml)")
	appID := fs.String("app", "1400000001", "SdkAppId the callbacks are from")
	settle := fs.Duration("settle", rehearsal.Settle, "keep firing timers this long after the last event")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: hook rehearse [--rules FILE] [--app ID] EVENTS.json...\n\nEach file holds one callback body or a JSON array of them.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitError{code: 2}
	}
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("load catalogue: %w", err)
	}
	rs, err := loadRules(*rulesPath, cat, withoutDevKey(getenv))
	if err != nil {
		return err
	}
	var events []callback.Event
	for _, path := range fs.Args() {
		evs, err := readEvents(path, *appID)
		if err != nil {
			return exitError{code: 1, msg: "hook rehearse: " + err.Error()}
		}
		events = append(events, evs...)
	}
	steps, err := rehearsal.Run(ctx, cat, rs, events, *settle)
	if err != nil {
		return err
	}
	printSteps(stdout, steps)
	return nil
}

// readEvents decodes a file holding one callback body or an array of them.
func readEvents(path, appID string) ([]callback.Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bodies := []json.RawMessage{data}
	if trimmed := strings.TrimSpace(string(data)); strings.HasPrefix(trimmed, "[") {
		if err := json.Unmarshal(data, &bodies); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	out := make([]callback.Event, 0, len(bodies))
	for i, b := range bodies {
		ev, err := callback.Decode(appID, b)
		if err != nil {
			return nil, fmt.Errorf("%s: callback %d: %w", path, i+1, err)
		}
		if ev.EventMs == 0 {
			return nil, fmt.Errorf("%s: callback %d: no EventMsTs/EventTs: a rehearsal needs to know when it happened", path, i+1)
		}
		out = append(out, ev)
	}
	return out, nil
}

func printSteps(w io.Writer, steps []rehearsal.Step) {
	pages := 0
	for _, st := range steps {
		at := st.At.UTC().Format("15:04:05.000")
		if st.Event != nil {
			var vs []string
			for _, o := range st.Outcomes {
				vs = append(vs, o.Rule+": "+string(o.Verdict))
			}
			if len(vs) == 0 {
				vs = []string{"no rule"}
			}
			fmt.Fprintf(w, "%s  event %d user %q room %q -> %s\n", at, st.Event.Type, st.Event.UserID, st.Event.RoomID, strings.Join(vs, ", "))
		} else {
			for _, o := range st.Timers {
				if o.Verdict != rules.VerdictIdle {
					fmt.Fprintf(w, "%s  timer %s %s -> %s\n", at, o.Timer, o.Rule, o.Verdict)
				}
			}
		}
		for _, p := range st.Pages {
			pages++
			fmt.Fprintf(w, "%s  PAGE to %s:\n", at, p.Receiver.Name)
			for _, line := range strings.Split(strings.TrimRight(notify.RenderText(p), "\n"), "\n") {
				fmt.Fprintln(w, "      "+line)
			}
		}
	}
	fmt.Fprintf(w, "%d page(s) in all\n", pages)
}
