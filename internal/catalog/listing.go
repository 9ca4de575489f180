package catalog

import "slices"

// Listing is the catalogue, or one table of it, as data: what `hook catalog list` prints
// and GET /catalog serves. JSON: {"tables": {"sdk": [rows...], ...}, "callback": [codes...]}.
type Listing struct {
	Tables   map[Table][]Row `json:"tables,omitempty"`
	Callback []ScopedCode    `json:"callback,omitempty"`
}

// Entries lists every entry of table t: its rows for an id table, every callback code
// for Callback, and everything for "". ok is false for an unknown table.
func (c *Catalog) Entries(t Table) (l Listing, ok bool) {
	if t == "" || t == Callback {
		l.Callback = slices.Clone(c.callback)
	}
	if t == Callback {
		return l, true
	}
	l.Tables = map[Table][]Row{}
	for _, tab := range c.tables {
		if t == "" || t == tab.name {
			l.Tables[tab.name] = slices.Clone(tab.rows)
		}
	}
	return l, len(l.Tables) > 0
}

// Rows lists the documented rows of id table t in documentation order; nil for anything
// else.
func (c *Catalog) Rows(t Table) []Row {
	slot := tableSlot(t)
	if slot < 0 {
		return nil
	}
	return slices.Clone(c.tables[slot].rows)
}

// Known reports whether id is documented in table t, whatever its parameters.
func (c *Catalog) Known(t Table, id int) bool {
	slot := tableSlot(t)
	return slot >= 0 && c.tables[slot].byID[id] != nil
}
