package rehearsal

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/rules"
)

// DryRun is hook test on one callback body in file, as it arrives for app
// at now: the decoded event, every rule's verdict and why, the dedup key
// and the page that would go out, written to w. It sends nothing and
// touches no state.
func DryRun(w io.Writer, rs *rules.Ruleset, cat *catalog.Catalog, app, file string, now time.Time) error {
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
	verdicts, err := engine.Explain(rs, &facts, now)
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
			fmt.Fprintf(w, "        dedup key %s (window %s)\n", v.Alert.DedupKey, words.Span(v.Alert.Window))
		} else {
			fmt.Fprintf(w, "        %s\n", v.State)
			fmt.Fprintln(w, "        (hook test --sequence shows when it would page)")
		}
		// The engine's page carries its codes' facts; the outbox's reader
		// gives them their words, and so does the page shown here.
		shown := v.Alert.Notification
		shown.Event.Codes = slices.Clone(shown.Event.Codes)
		match.NewCodeWords(cat).Fill(&shown)
		for _, r := range v.Alert.Receivers {
			p := shown
			p.Receiver = r
			fmt.Fprintf(w, "        page to %s (%s%s):\n", p.Receiver.Name, p.Receiver.Kind, channelOf(p.Receiver))
			for _, line := range strings.Split(strings.TrimRight(words.RenderText(p), "\n"), "\n") {
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
