package catalog

import (
	"fmt"
	"strconv"
)

// Row is one documented row of an id table, as listed by Entries and GET /catalog.
type Row struct {
	Table Table `json:"table"`
	ID    int   `json:"id"`
	// Param1 and Param2 are "-1" (not used), a literal number the row requires, or the
	// name of the quantity the parameter carries, e.g. "Resolution width".
	Param1 string `json:"param1"`
	Param2 string `json:"param2"`
	Text   string `json:"text"`
}

// paramKind says how a row treats one parameter.
type paramKind uint8

const (
	paramUnused   paramKind = iota // -1 in the table: any value matches, none is shown
	paramLiteral                   // the row applies only to this exact value
	paramQuantity                  // the parameter carries a named quantity's value
)

type paramSpec struct {
	kind    paramKind
	literal int64
	name    string // quantity name, for paramQuantity
}

func parseParamSpec(s string) paramSpec {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return paramSpec{kind: paramQuantity, name: s}
	case n == -1:
		return paramSpec{kind: paramUnused}
	default:
		return paramSpec{kind: paramLiteral, literal: n}
	}
}

func (p paramSpec) matches(v int64) bool { return p.kind != paramLiteral || p.literal == v }

type idRow struct {
	p1, p2 paramSpec
	text   string
}

// idEntry is everything one id means. The rows of an id agree on which parameters are
// quantities (checked by New), so the fallback can still show them.
type idEntry struct {
	rows     []idRow
	general  string // the id's general meaning, used when no row matches
	literal1 bool   // some row requires a literal first parameter
	literal2 bool   // some row requires a literal second parameter
}

type idTable struct {
	name    Table
	byID    map[int]*idEntry
	rows    []Row // documentation order, for listings
	unknown string
}

func (c *Catalog) loadIDs() error {
	const idsFile, generalFile = "data/ids.tsv", "data/general.tsv"
	for slot, t := range idTables() {
		c.tables[slot] = idTable{name: t, byID: map[int]*idEntry{}, unknown: "unknown " + string(t) + " id "}
	}
	records, err := readTSV(idsFile, "table", "id", "param1", "param2", "text")
	if err != nil {
		return err
	}
	for _, r := range records {
		slot := tableSlot(Table(r.fields[0]))
		if slot < 0 {
			return r.errorf(idsFile, "unknown table %q", r.fields[0])
		}
		id, err := r.int(idsFile, 1)
		if err != nil {
			return err
		}
		tab := &c.tables[slot]
		row := idRow{p1: parseParamSpec(r.fields[2]), p2: parseParamSpec(r.fields[3]), text: r.fields[4]}
		e := tab.byID[id]
		if e == nil {
			e = &idEntry{}
			tab.byID[id] = e
		} else if first := e.rows[0]; (first.p1.kind == paramQuantity) != (row.p1.kind == paramQuantity) ||
			(first.p2.kind == paramQuantity) != (row.p2.kind == paramQuantity) {
			return r.errorf(idsFile, "%s %d: rows disagree on which parameters are quantities", tab.name, id)
		}
		for _, prev := range e.rows {
			if prev.p1 == row.p1 && prev.p2 == row.p2 {
				return r.errorf(idsFile, "%s %d: duplicate parameters %s, %s", tab.name, id, r.fields[2], r.fields[3])
			}
		}
		e.rows = append(e.rows, row)
		e.literal1 = e.literal1 || row.p1.kind == paramLiteral
		e.literal2 = e.literal2 || row.p2.kind == paramLiteral
		tab.rows = append(tab.rows, Row{Table: tab.name, ID: id, Param1: r.fields[2], Param2: r.fields[3], Text: r.fields[4]})
	}

	general, err := readTSV(generalFile, "table", "id", "text")
	if err != nil {
		return err
	}
	for _, r := range general {
		slot := tableSlot(Table(r.fields[0]))
		id, err := r.int(generalFile, 1)
		if err != nil {
			return err
		}
		if slot < 0 || c.tables[slot].byID[id] == nil {
			return r.errorf(generalFile, "%s %d is not in %s", r.fields[0], id, idsFile)
		}
		c.tables[slot].byID[id].general = r.fields[2]
	}
	for _, tab := range c.tables {
		for id, e := range tab.byID {
			switch {
			case e.general != "":
			case e.literal1 || e.literal2 || len(e.rows) > 1:
				// Without a general meaning a fallback would have nothing honest to say.
				return fmt.Errorf("%s: %s %d has literal parameters but no general meaning", generalFile, tab.name, id)
			default:
				e.general = e.rows[0].text
			}
		}
	}
	return nil
}

// Meaning is a decoded id: what TRTC says it means for these parameters.
type Meaning struct {
	Table  Table `json:"table"`
	ID     int   `json:"id"`
	Param1 int64 `json:"param1"`
	Param2 int64 `json:"param2"`
	// Text is the specific event text; for a fallback, the id's general meaning; for an
	// unknown id, "unknown <table> id N".
	Text string `json:"text"`
	// Params are the named quantities the parameters carry (only those in use: a
	// quantity reported as -1 is left out).
	Params   []Param `json:"params,omitempty"`
	Known    bool    `json:"known"`    // false: the id is not in the table
	Fallback bool    `json:"fallback"` // a literal parameter matched no row: Text is the general meaning

	compared uint8 // for a fallback, which parameters the id's rows compare literally
}

const (
	compareParam1 uint8 = 1 << iota
	compareParam2
)

// Param is a named quantity carried by a parameter, e.g. "Resolution width" = 1280.
type Param struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// Decode names an id of one of the five id tables, parameter-aware. It never fails:
// an unknown table or id gives Known=false and a Text that still reads well.
//
// Decode is a thin wrapper so the compiler inlines it: the storage for Params then lives
// in the caller's frame and a decode allocates nothing unless the caller lets the Meaning
// escape. The only allocating path is an unknown id, whose Text includes the number
// (one allocation).
func (c *Catalog) Decode(t Table, id int, p1, p2 int64) Meaning {
	var quantities [2]Param
	return c.decode(t, id, p1, p2, &quantities)
}

func (c *Catalog) decode(t Table, id int, p1, p2 int64, quantities *[2]Param) Meaning {
	m := Meaning{Table: t, ID: id, Param1: p1, Param2: p2}
	slot := tableSlot(t)
	if slot < 0 {
		m.Text = unknownText("unknown "+string(t)+" id ", id)
		return m
	}
	tab := &c.tables[slot]
	e := tab.byID[id]
	if e == nil {
		m.Text = unknownText(tab.unknown, id)
		return m
	}
	m.Known = true
	spec := e.rows[0] // quantities are the same in every row of an id
	m.Fallback = true
	m.Text = e.general
	for _, row := range e.rows {
		if row.p1.matches(p1) && row.p2.matches(p2) {
			spec, m.Fallback, m.Text = row, false, row.text
			break
		}
	}
	n := 0
	for _, q := range [2]struct {
		spec  paramSpec
		value int64
	}{{spec.p1, p1}, {spec.p2, p2}} {
		if q.spec.kind == paramQuantity && q.value != -1 {
			quantities[n] = Param{Name: q.spec.name, Value: q.value}
			n++
		}
	}
	if n > 0 {
		m.Params = quantities[:n]
	}
	if m.Fallback {
		if e.literal1 {
			m.compared |= compareParam1
		}
		if e.literal2 {
			m.compared |= compareParam2
		}
	}
	return m
}

// unknownText is "unknown <table> id N", built in one allocation: ids TRTC added after
// the table was written can arrive as often as known ones.
func unknownText(prefix string, id int) string {
	var buf [40]byte
	b := append(buf[:0], prefix...)
	return string(strconv.AppendInt(b, int64(id), 10))
}

// String renders the meaning on one line, e.g.
// `sdk 4013: (Hardware) decoding failed (Number of frames failed to be decoded (3s) = 12)`.
func (m Meaning) String() string {
	b := make([]byte, 0, 96)
	b = append(b, m.Table...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(m.ID), 10)
	b = append(b, ": "...)
	b = append(b, m.Text...)
	for i, p := range m.Params {
		if i == 0 {
			b = append(b, " ("...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, p.Name...)
		b = append(b, " = "...)
		b = strconv.AppendInt(b, p.Value, 10)
		if i == len(m.Params)-1 {
			b = append(b, ')')
		}
	}
	switch {
	case m.Fallback:
		b = append(b, " [general meaning: "...)
		b = m.appendLiterals(b)
		b = append(b, " matched no documented row]"...)
	case !m.Known && (m.Param1 != -1 || m.Param2 != -1):
		b = append(b, " (parameters "...)
		b = strconv.AppendInt(b, m.Param1, 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, m.Param2, 10)
		b = append(b, ')')
	}
	return string(b)
}

// appendLiterals names the parameters a fallback could not match: the ones the id's rows
// compare literally. A Meaning rebuilt from JSON has lost that detail and names both.
func (m Meaning) appendLiterals(b []byte) []byte {
	compared := m.compared
	if compared == 0 {
		compared = compareParam1 | compareParam2
	}
	var literal [2]int64
	n := 0
	if compared&compareParam1 != 0 {
		literal[n] = m.Param1
		n++
	}
	if compared&compareParam2 != 0 {
		literal[n] = m.Param2
		n++
	}
	switch n {
	case 1:
		b = append(b, "parameter "...)
		return strconv.AppendInt(b, literal[0], 10)
	default:
		b = append(b, "parameters "...)
		b = strconv.AppendInt(b, literal[0], 10)
		b = append(b, ", "...)
		return strconv.AppendInt(b, literal[1], 10)
	}
}
