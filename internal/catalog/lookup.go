package catalog

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// LookupError is a lookup that decoded nothing: an unknown id (Usage false)
// or arguments that do not make a lookup (Usage true).
type LookupError struct {
	Usage bool
	Msg   string
}

func (e *LookupError) Error() string { return e.Msg }

func usageError(problem string) error { return &LookupError{Usage: true, Msg: problem} }

// Lookup is hook catalog's answer to its arguments, written to w (as JSON
// when asJSON): "TABLE ID [P1] [P2]" decodes an id, "callback EVENT_TYPE"
// names an event type and its codes, "list [TABLE]" lists entries.
func (cat *Catalog) Lookup(positional []string, asJSON bool, stdout io.Writer) error {
	if len(positional) == 0 {
		return usageError("missing TABLE")
	}
	if positional[0] == "list" {
		return catalogList(cat, positional[1:], asJSON, stdout)
	}

	table, ok := ParseTable(positional[0])
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
	if table == Callback {
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
		return &LookupError{Msg: m.String()}
	}
	if asJSON {
		return writeJSON(stdout, m)
	}
	_, err = fmt.Fprintln(stdout, m.String())
	return err
}

// callbackDescription is what "hook catalog callback N --json" prints.
type callbackDescription struct {
	Group Code         `json:"group"`
	Event Code         `json:"event"`
	Codes []ScopedCode `json:"codes,omitempty"`
}

func catalogCallback(cat *Catalog, eventType int, asJSON bool, stdout io.Writer) error {
	d := callbackDescription{
		Group: cat.GroupOf(eventType),
		Event: cat.Code(FieldEvent, 0, eventType),
		Codes: cat.CodesFor(eventType),
	}
	if !d.Event.Known {
		return &LookupError{Msg: fmt.Sprintf("%s (group %d: %s)", d.Event.Title, d.Group.Value, d.Group.Title)}
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

func catalogList(cat *Catalog, args []string, asJSON bool, stdout io.Writer) error {
	var table Table
	switch len(args) {
	case 0:
	case 1:
		t, ok := ParseTable(args[0])
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
	for _, t := range IDTables() {
		for _, r := range listing.Tables[t] {
			fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\n", r.Table, r.ID, r.Param1, r.Param2, r.Text)
		}
	}
	for _, sc := range listing.Callback {
		cnst := sc.Const
		if cnst == "" {
			cnst = "-"
		}
		fmt.Fprintf(&b, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", Callback, sc.Field, sc.EventType, sc.Value, sc.Name, cnst, sc.Title)
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
