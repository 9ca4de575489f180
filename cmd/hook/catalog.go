package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/catalog"
)

// newCatalogCmd is `hook catalog`. It builds its own catalogue: the command
// is a one-shot lookup and needs nothing from the server.
func newCatalogCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog TABLE ID [P1] [P2]",
		Short: "Decode a TRTC id, or list a table of the catalogue",
		Long: `Names a TRTC number with TRTC's own words.

  hook catalog TABLE ID [P1] [P2]   decode an id (P1 and P2 default to -1, "not used")
  hook catalog callback EVENT_TYPE  name a callback event type and the codes it carries
  hook catalog list [TABLE]         list every entry (all tables when TABLE is omitted)

Tables: sdk, webrtc, experience, dismissal, realtime, callback.
Exit status: 0 decoded, 1 unknown id, 2 bad usage.`,
		Example: `  hook catalog sdk 4013 12 1
  hook catalog callback 104 --json
  hook catalog list experience`,
		// Parameters may be negative ("-1"), which a flag parser takes for
		// flags: the arguments are read here (catalogArgs).
		DisableFlagParsing: true,
		ValidArgs:          []string{"list", "sdk", "webrtc", "experience", "dismissal", "realtime", "callback"},
		RunE: func(cmd *cobra.Command, args []string) error {
			positional, asJSON, help, err := catalogArgs(args)
			if err != nil {
				return err
			}
			if help || len(positional) == 1 && positional[0] == "help" { // `hook catalog help`, as before cobra
				return cmd.Help()
			}
			return catalogLookup(positional, asJSON, c.stdout)
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	return cmd
}

// catalogArgs splits args into positional arguments (negative numbers
// included) and the flags --json and --help.
func catalogArgs(args []string) (positional []string, asJSON, help bool, err error) {
	for i, a := range args {
		switch {
		case a == "--":
			return append(positional, args[i+1:]...), asJSON, help, nil
		case a == "--json" || a == "-json":
			asJSON = true
		case a == "-h" || a == "--help" || a == "-help":
			help = true
		case strings.HasPrefix(a, "-") && len(a) > 1 && (a[1] < '0' || a[1] > '9'):
			return nil, false, false, exitError{code: 2, msg: fmt.Sprintf("hook catalog: unknown flag: %s", a)}
		default:
			positional = append(positional, a)
		}
	}
	return positional, asJSON, help, nil
}

func catalogLookup(positional []string, asJSON bool, stdout io.Writer) error {
	if len(positional) == 0 {
		return usageError("missing TABLE")
	}
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if positional[0] == "list" {
		return catalogList(cat, positional[1:], asJSON, stdout)
	}

	table, ok := catalog.ParseTable(positional[0])
	if !ok {
		return usageError(fmt.Sprintf("unknown table %q", positional[0]))
	}
	if len(positional) < 2 {
		return usageError("missing ID")
	}
	id, err := strconv.Atoi(positional[1])
	if err != nil {
		return usageError(fmt.Sprintf("ID %q is not a number", positional[1]))
	}
	if table == catalog.Callback {
		if len(positional) > 2 {
			return usageError("callback takes an event type only")
		}
		return catalogCallback(cat, id, asJSON, stdout)
	}
	if len(positional) > 4 {
		return usageError("too many arguments")
	}
	params := [2]int64{-1, -1}
	for i, s := range positional[2:] {
		if params[i], err = strconv.ParseInt(s, 10, 64); err != nil {
			return usageError(fmt.Sprintf("parameter %q is not a number", s))
		}
	}
	m := cat.Decode(table, id, params[0], params[1])
	if !m.Known {
		return exitError{code: 1, msg: "hook catalog: " + m.String()}
	}
	if asJSON {
		return writeJSON(stdout, m)
	}
	_, err = fmt.Fprintln(stdout, m.String())
	return err
}

func usageError(problem string) error {
	return exitError{code: 2, msg: "hook catalog: " + problem}
}

// callbackDescription is what "hook catalog callback N --json" prints.
type callbackDescription struct {
	Group catalog.Code         `json:"group"`
	Event catalog.Code         `json:"event"`
	Codes []catalog.ScopedCode `json:"codes,omitempty"`
}

func catalogCallback(cat *catalog.Catalog, eventType int, asJSON bool, stdout io.Writer) error {
	d := callbackDescription{
		Group: cat.GroupOf(eventType),
		Event: cat.Code(catalog.FieldEvent, 0, eventType),
		Codes: cat.CodesFor(eventType),
	}
	if !d.Event.Known {
		return exitError{code: 1, msg: fmt.Sprintf("hook catalog: %s (group %d: %s)", d.Event.Title, d.Group.Value, d.Group.Title)}
	}
	if asJSON {
		return writeJSON(stdout, d)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "event %d: %s", d.Event.Value, d.Event.Name)
	if d.Event.Const != "" {
		fmt.Fprintf(&b, " (%s)", d.Event.Const)
	}
	fmt.Fprintf(&b, ": %s\n", d.Event.Title)
	fmt.Fprintf(&b, "group %d: %s: %s\n", d.Group.Value, d.Group.Name, d.Group.Title)
	for _, sc := range d.Codes {
		fmt.Fprintf(&b, "  %s %d: %s: %s\n", sc.Field, sc.Value, sc.Name, sc.Title)
	}
	_, err := io.WriteString(stdout, b.String())
	return err
}

func catalogList(cat *catalog.Catalog, args []string, asJSON bool, stdout io.Writer) error {
	var table catalog.Table
	switch len(args) {
	case 0:
	case 1:
		t, ok := catalog.ParseTable(args[0])
		if !ok {
			return usageError(fmt.Sprintf("unknown table %q", args[0]))
		}
		table = t
	default:
		return usageError("list takes at most one TABLE")
	}
	listing, _ := cat.Entries(table)
	if asJSON {
		return writeJSON(stdout, listing)
	}
	// Tab-separated so the listing greps and cuts cleanly; quantity names contain spaces.
	var b strings.Builder
	for _, t := range catalog.IDTables() {
		for _, r := range listing.Tables[t] {
			fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\n", r.Table, r.ID, r.Param1, r.Param2, r.Text)
		}
	}
	for _, sc := range listing.Callback {
		cnst := sc.Const
		if cnst == "" {
			cnst = "-"
		}
		fmt.Fprintf(&b, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", catalog.Callback, sc.Field, sc.EventType, sc.Value, sc.Name, cnst, sc.Title)
	}
	_, err := io.WriteString(stdout, b.String())
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
