package backtest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/notify/words"
)

// Report is what a backtest found: per rule, the pages each ruleset would
// have sent and how they differ.
type Report struct {
	CurrentRules string    `json:"current_rules"` // what the server serves (HOOK_RULES, or the embedded example)
	NewRules     string    `json:"new_rules"`
	From         time.Time `json:"from"` // arrival of the first callback replayed
	To           time.Time `json:"to"`   // and of the last
	Callbacks    int       `json:"callbacks"`
	Skipped      int       `json:"skipped,omitempty"` // bodies that did not decode
	CurrentPages int       `json:"current_pages"`
	NewPages     int       `json:"new_pages"`
	// Rules lists every rule of either ruleset: the current file's order,
	// then the rules only the new one has.
	Rules []*RuleReport `json:"rules"`

	byName   map[string]*RuleReport
	examples int
}

// RuleReport is one rule's pages under each ruleset.
type RuleReport struct {
	Rule string `json:"rule"`
	// InCurrent and InNew say which rulesets have the rule.
	InCurrent bool `json:"in_current"`
	InNew     bool `json:"in_new"`
	Current   int  `json:"current"` // pages the current rules would have sent
	New       int  `json:"new"`     // pages the new rules would have sent
	Kept      int  `json:"kept"`    // pages both would have sent
	Gone      int  `json:"gone"`    // pages only the current rules send
	Added     int  `json:"added"`   // pages only the new rules send
	// A few of the pages gone, added and kept (as the new rules send them),
	// oldest first.
	GoneExamples  []Example `json:"gone_examples,omitempty"`
	AddedExamples []Example `json:"added_examples,omitempty"`
	KeptExamples  []Example `json:"kept_examples,omitempty"`
}

// Changed reports whether the rule pages differently under the new rules.
func (r *RuleReport) Changed() bool { return r.Gone > 0 || r.Added > 0 }

func newReport(opts Options) *Report {
	rep := &Report{CurrentRules: opts.CurrentName, NewRules: opts.NewName, byName: map[string]*RuleReport{},
		examples: max(opts.Examples, 0)}
	for _, name := range opts.Current.RuleNames() {
		rep.rule(name).InCurrent = true
	}
	for _, name := range opts.New.RuleNames() {
		rep.rule(name).InNew = true
	}
	return rep
}

// rule returns the rule's report, adding it at the end if it is new (a
// page of a rule neither file names: a renamed rule's timers).
func (rep *Report) rule(name string) *RuleReport {
	if r := rep.byName[name]; r != nil {
		return r
	}
	r := &RuleReport{Rule: name}
	rep.byName[name] = r
	rep.Rules = append(rep.Rules, r)
	return r
}

// WriteJSON writes the report as one JSON document.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteText writes the report for people: a table of pages per rule, then,
// for each rule that changed, a few of the pages gone and added.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Replayed %s callbacks from %s to %s (%s).\n", words.Thousands(rep.Callbacks),
		stamp(rep.From), stamp(rep.To), words.Span(rep.To.Sub(rep.From).Round(time.Second)))
	if rep.Skipped > 0 {
		fmt.Fprintf(&b, "%s bodies did not decode and were skipped.\n", words.Thousands(rep.Skipped))
	}
	fmt.Fprintf(&b, "current: %s\nnew:     %s\n\n", rep.CurrentRules, rep.NewRules)
	width := len("in all")
	for _, r := range rep.Rules {
		width = max(width, len(r.Rule)+len(ruleNote(r)))
	}
	row := func(name string, cur, nw string, diff string) {
		fmt.Fprintf(&b, "%-*s  %7s  %7s  %7s\n", width, name, cur, nw, diff)
	}
	row("rule", "current", "new", "diff")
	for _, r := range rep.Rules {
		row(r.Rule+ruleNote(r), count(r.Current, r.InCurrent), count(r.New, r.InNew), delta(r.New-r.Current, r.Changed()))
	}
	anyChanged := false
	for _, r := range rep.Rules {
		anyChanged = anyChanged || r.Changed()
	}
	row("in all", words.Thousands(rep.CurrentPages), words.Thousands(rep.NewPages), delta(rep.NewPages-rep.CurrentPages, anyChanged))
	changed := 0
	for _, r := range rep.Rules {
		if !r.Changed() {
			continue
		}
		changed++
		fmt.Fprintf(&b, "\n%s: %s\n", r.Rule, summary(r))
		for _, e := range r.GoneExamples {
			b.WriteString("  - " + exampleLine(e) + "\n")
		}
		if more := r.Gone - len(r.GoneExamples); more > 0 && len(r.GoneExamples) > 0 {
			fmt.Fprintf(&b, "  - ... and %s more no longer sent\n", words.Thousands(more))
		}
		for _, e := range r.AddedExamples {
			b.WriteString("  + " + exampleLine(e) + "\n")
		}
		if more := r.Added - len(r.AddedExamples); more > 0 && len(r.AddedExamples) > 0 {
			fmt.Fprintf(&b, "  + ... and %s more\n", words.Thousands(more))
		}
		for _, e := range r.KeptExamples {
			b.WriteString("  = " + exampleLine(e) + "\n")
		}
		if more := r.Kept - len(r.KeptExamples); more > 0 && len(r.KeptExamples) > 0 {
			fmt.Fprintf(&b, "  = ... and %s more kept\n", words.Thousands(more))
		}
	}
	if changed == 0 {
		b.WriteString("\nNo rule pages differently under the new rules.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ruleNote(r *RuleReport) string {
	switch {
	case !r.InCurrent && r.InNew:
		return " (new)"
	case r.InCurrent && !r.InNew:
		return " (removed)"
	case !r.InCurrent && !r.InNew:
		return " (in neither)"
	}
	return ""
}

// count is a rule's pages under a ruleset, "-" when it has no such rule.
func count(n int, has bool) string {
	if !has && n == 0 {
		return "-"
	}
	return words.Thousands(n)
}

// delta is the new count less the current one; "=" when the same pages
// went out, "0" when as many went out but not the same.
func delta(d int, changed bool) string {
	switch {
	case d > 0:
		return "+" + words.Thousands(d)
	case d < 0:
		return "-" + words.Thousands(-d)
	case changed:
		return "0"
	}
	return "="
}

// summary says how a changed rule's pages differ.
func summary(r *RuleReport) string {
	var parts []string
	if r.Gone > 0 {
		parts = append(parts, plural(r.Gone, "page")+" no longer sent")
	}
	if r.Added > 0 {
		parts = append(parts, plural(r.Added, "new page"))
	}
	if r.Kept > 0 {
		parts = append(parts, words.Thousands(r.Kept)+" kept")
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return words.Thousands(n) + " " + what + "s"
}

// exampleLine is one page on one line: when, where, who, its title and
// why it paged now.
func exampleLine(e Example) string {
	var b strings.Builder
	b.WriteString(stamp(e.At))
	if e.Kind != "firing" {
		b.WriteString("  " + e.Kind)
	}
	// Ids are client text: no control character reaches the terminal.
	if e.Room != "" {
		b.WriteString("  room " + words.Clean(e.Room))
	} else if e.App != "" {
		b.WriteString("  app " + words.Clean(e.App))
	}
	switch {
	case e.Members > 0:
		b.WriteString("  " + words.Thousands(e.Members) + " " + strings.TrimSuffix(e.MemberKind, "s"))
		if e.Members != 1 {
			b.WriteString("s")
		}
	case e.User != "":
		b.WriteString("  user " + words.Clean(e.User))
	case e.Task != "":
		b.WriteString("  task " + words.Clean(e.Task))
	}
	b.WriteString(": " + words.Clean(e.Title))
	if e.Why != "" {
		b.WriteString(" (" + e.Why + ")")
	}
	return b.String()
}

// stamp is a time as the report writes it: UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }
