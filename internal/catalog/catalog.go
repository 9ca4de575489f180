// Package catalog is the single source of truth for what TRTC numbers mean: the ids of
// the call-quality tables (SDK and WebRTC events, exceptional experiences, exceptional
// room-dismissal and real-time events) and the numeric codes of server callbacks (groups,
// event types, reasons, roles, statuses and the rest).
//
// Everything comes from data files embedded in the binary (data/*.tsv), so a correction
// to TRTC's wording is a data change, not a code change. Every callback code row names
// the TRTC document it comes from (Doc); the id tables all come from
// https://trtc.io/document/37906. New parses them once; every
// lookup afterwards is a map or slice index that allocates nothing for documented values.
package catalog

import (
	"embed"
	"fmt"
)

// data holds the tables; see the comment block at the top of each file for its format.
//
//go:embed data/ids.tsv data/general.tsv data/fields.tsv data/callbacks.tsv
var data embed.FS

// Table names one of the id tables, or Callback for the callback codes.
type Table string

const (
	SDK        Table = "sdk"
	WebRTC     Table = "webrtc"
	Experience Table = "experience"
	Dismissal  Table = "dismissal"
	Realtime   Table = "realtime"

	// Callback is not an id table: Entries(Callback) lists the callback codes, and the
	// CLI and HTTP API accept it where they accept a table name.
	Callback Table = "callback"
)

// idTables is the order tables are listed in; the index is the table's slot in
// Catalog.tables, so Decode finds a table without hashing its name.
func idTables() [5]Table { return [5]Table{SDK, WebRTC, Experience, Dismissal, Realtime} }

// IDTables lists the five id tables in documentation order.
func IDTables() []Table {
	t := idTables()
	return t[:]
}

// ParseTable recognises a table name as typed on a command line or in a URL,
// including Callback.
func ParseTable(s string) (Table, bool) {
	if s == string(Callback) {
		return Callback, true
	}
	if tableSlot(Table(s)) >= 0 {
		return Table(s), true
	}
	return "", false
}

func tableSlot(t Table) int {
	switch t {
	case SDK:
		return 0
	case WebRTC:
		return 1
	case Experience:
		return 2
	case Dismissal:
		return 3
	case Realtime:
		return 4
	}
	return -1
}

// Catalog answers what TRTC numbers mean. It is immutable after New and safe for
// concurrent use.
type Catalog struct {
	tables [5]idTable

	fields    map[Field]fieldInfo
	order     []Field // the fields in data/fields.tsv's order (Fields)
	codes     map[codeKey]Code
	docs      map[codeKey]string // the TRTC document each code comes from
	callback  []ScopedCode       // every code, in data-file order, for listings
	names     map[Field][]string
	values    map[nameKey][]Scoped
	carriedBy map[int][]Field // event type -> unscoped fields its EventInfo carries
}

// New builds the catalogue from embedded data. It fails only if the embedded data is
// corrupt, which the package tests rule out for every release.
func New() (*Catalog, error) {
	c := &Catalog{}
	if err := c.loadIDs(); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := c.loadCallbackCodes(); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return c, nil
}
