package rehearsal

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/notify/words"
)

// ReadEvents decodes a file holding one callback body or an array of them.
func ReadEvents(path, appID string) ([]callback.Event, error) {
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

// Print writes steps as hook test --sequence shows them: each event with its
// rules' verdicts, each timer that did something, each page in full, and the
// count of pages.
func Print(w io.Writer, steps []Step) {
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
				if o.Verdict != alert.VerdictIdle {
					fmt.Fprintf(w, "%s  timer %s %s -> %s\n", at, o.Timer, o.Rule, o.Verdict)
				}
			}
		}
		for _, p := range st.Pages {
			pages++
			fmt.Fprintf(w, "%s  PAGE to %s:\n", at, p.Receiver.Name)
			for _, line := range strings.Split(strings.TrimRight(words.RenderText(p), "\n"), "\n") {
				fmt.Fprintln(w, "      "+line)
			}
		}
	}
	fmt.Fprintf(w, "%d page(s) in all\n", pages)
}
