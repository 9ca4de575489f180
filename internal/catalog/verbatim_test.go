package catalog

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// mappingFile is TRTC's "Event ID Mapping Table" (https://trtc.io/document/37906) as
// the seed copy holds it, byte for byte (../shared/reference/trtc-event-id-mapping.txt).
// The copy lost its column separators: "10010-1The user unplugged wired earphone" is
// id 1001, first parameter 0, second -1, then the text. refRow splits such a line.
const mappingFile = "testdata/trtc-event-id-mapping.txt"

// mappingHeadings are the table titles of the document, in its order. Everything
// before the first one is the site's navigation.
var mappingHeadings = map[string]Table{
	"SDK Event Mapping Table":                           SDK,
	"WebRTC Event Mapping Table":                        WebRTC,
	"Exceptional Experience ID Mapping Table":           Experience,
	"Exceptional Room Dismissal Event ID Mapping Table": Dismissal,
	"Real-Time Exceptional Event ID Mapping Table":      Realtime,
}

// mappingColumns are the tables' column-title lines (separators lost too).
var mappingColumns = []string{
	"Event IDFirst Parameter ValueSecond Parameter ValueSpecific Event",
	"Experience IDDescription",
	"Exceptional Event IDDescription",
}

// idDigits is how many digits an id has in each table: the document's ids are all of
// one width per table, which is what lets a run-together line be split at all.
var idDigits = map[Table]int{SDK: 4, WebRTC: 5, Experience: 1, Dismissal: 4, Realtime: 4}

// quantities are the named parameters of the SDK table, the only non-numeric
// parameter values the document uses.
var quantities = []string{
	"Number of frames failed to be decoded (3s)",
	"Resolution width", "Resolution height", "Video frame rate", "Video bitrate",
}

// refRow is one row of the reference, with the line it came from.
type refRow struct {
	Row
	line int
}

func (r Row) key() string { return fmt.Sprintf("%s %d (%s, %s)", r.Table, r.ID, r.Param1, r.Param2) }

// readMapping parses every line of the reference: each line after a table's column
// titles is a row, and a line that is none of heading, note, column titles or row
// fails the parse, so no row is ever skipped silently.
func readMapping(raw string) ([]refRow, error) {
	var (
		rows    []refRow
		table   Table
		columns bool
	)
	for i, line := range strings.Split(raw, "\n") {
		n := i + 1
		if t, ok := mappingHeadings[line]; ok {
			table, columns = t, false
			continue
		}
		switch {
		case table == "" || line == "":
		case slices.Contains(mappingColumns, line):
			columns = true
		case strings.HasPrefix(line, "Note: ") && !columns:
		case !columns:
			return nil, fmt.Errorf("%s:%d: %q before the column titles of the %s table", mappingFile, n, line, table)
		default:
			r, err := splitRow(table, line)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", mappingFile, n, err)
			}
			rows = append(rows, refRow{Row: r, line: n})
		}
	}
	return rows, nil
}

// splitRow splits a run-together line by the rules written down at the top of
// data/ids.tsv:
//   - the id is the table's fixed number of leading digits;
//   - the experience and exceptional tables have no parameters (both -1);
//   - "-1" is always a whole parameter, and a named quantity one of `quantities`;
//   - digits followed by "-1" are the whole first parameter ("300310-1": 3003, 10, -1);
//   - digits followed by the text are two literal parameters, the second one digit,
//     the scene of 6001 ("60011010(Qos": 6001, 101, 0).
//
// The pieces always glue back to the line (checked below), so the comparison with the
// catalogue is of the very characters of the reference.
func splitRow(t Table, line string) (Row, error) {
	w := idDigits[t]
	if len(line) <= w || !allDigits(line[:w]) || isDigit(line[w]) && t != SDK {
		return Row{}, fmt.Errorf("%q does not start with a %d-digit %s id", line, w, t)
	}
	id, _ := strconv.Atoi(line[:w])
	r := Row{Table: t, ID: id, Param1: "-1", Param2: "-1"}
	rest := line[w:]
	if t == SDK || t == WebRTC {
		var ok bool
		if r.Param1, r.Param2, rest, ok = splitParams(rest); !ok {
			return Row{}, fmt.Errorf("%q: cannot tell the parameters from the text", line)
		}
	}
	r.Text = rest
	if r.Text == "" || isDigit(r.Text[0]) || r.Text[0] == '-' || unicode.IsSpace(rune(r.Text[0])) {
		return Row{}, fmt.Errorf("%q: the text %q does not start where a text starts", line, r.Text)
	}
	if glued := line[:w] + gluedParams(t, r) + r.Text; glued != line {
		return Row{}, fmt.Errorf("%q: split as %s %q, which glues back to %q", line, r.key(), r.Text, glued)
	}
	return r, nil
}

func splitParams(s string) (p1, p2, rest string, ok bool) {
	p1, s, ok = param(s)
	if !ok {
		return "", "", "", false
	}
	if allDigits(p1) && !strings.HasPrefix(s, "-1") {
		// Two literals run together: the second is the last digit.
		if len(p1) < 2 {
			return "", "", "", false
		}
		return p1[:len(p1)-1], p1[len(p1)-1:], s, true
	}
	p2, s, ok = param(s)
	return p1, p2, s, ok
}

// param takes one parameter off the front of s: "-1", a named quantity or a digit run.
func param(s string) (p, rest string, ok bool) {
	if strings.HasPrefix(s, "-1") {
		return "-1", s[2:], true
	}
	for _, q := range quantities {
		if strings.HasPrefix(s, q) {
			return q, s[len(q):], true
		}
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:], i > 0
}

func gluedParams(t Table, r Row) string {
	if t == SDK || t == WebRTC {
		return r.Param1 + r.Param2
	}
	return ""
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func allDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// diffRows compares the reference with the catalogue row by row: a row is its table,
// id and parameters (the key) and its text, compared as exact strings. It returns one
// message per difference, in the reference's order, then the catalogue's extra rows,
// then (only if every row agrees) the first place the order differs.
func diffRows(ref []refRow, cat []Row) []string {
	var diffs []string
	have := make(map[string]Row, len(cat))
	for _, r := range cat {
		have[r.key()] = r
	}
	seen := make(map[string]bool, len(ref))
	for _, r := range ref {
		k := r.key()
		if seen[k] {
			diffs = append(diffs, fmt.Sprintf("reference line %d: %s appears twice in the reference", r.line, k))
			continue
		}
		seen[k] = true
		c, ok := have[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("reference line %d: %s %q is missing from the catalogue", r.line, k, r.Text))
		case c.Text != r.Text:
			diffs = append(diffs, fmt.Sprintf("reference line %d: %s\n\treference: %q\n\tcatalogue: %q", r.line, k, r.Text, c.Text))
		}
	}
	for _, c := range cat {
		if !seen[c.key()] {
			diffs = append(diffs, fmt.Sprintf("catalogue: %s %q is not in the reference", c.key(), c.Text))
		}
	}
	if len(diffs) == 0 && len(ref) == len(cat) {
		for i := range ref {
			if ref[i].Row != cat[i] {
				diffs = append(diffs, fmt.Sprintf("reference line %d: %s is row %d of the reference but the catalogue lists %s there",
					ref[i].line, ref[i].key(), i+1, cat[i].key()))
				break
			}
		}
	}
	return diffs
}

// TestCatalogueIsTheReferenceVerbatim: every row of TRTC's mapping table, in every
// table, has exactly the catalogue's id, parameters and text, and the catalogue has
// no row the table lacks.
func TestCatalogueIsTheReferenceVerbatim(t *testing.T) {
	raw, err := os.ReadFile(mappingFile)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := readMapping(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := mustNew(t)
	var cat []Row
	perTable := map[Table]int{}
	for _, tab := range IDTables() {
		cat = append(cat, c.Rows(tab)...)
	}
	for _, r := range ref {
		perTable[r.Table]++
	}
	for _, tab := range IDTables() {
		if perTable[tab] == 0 {
			t.Errorf("the reference has no %s rows: the parser no longer finds its heading", tab)
		}
	}
	if diffs := diffRows(ref, cat); len(diffs) > 0 {
		t.Errorf("the catalogue (data/ids.tsv) differs from %s in %d place(s):\n%s", mappingFile, len(diffs), strings.Join(diffs, "\n"))
	}
	t.Logf("%d reference rows compared: %v", len(ref), perTable)
}

// TestSplitRow pins the splitting rules on the lines that need them.
func TestSplitRow(t *testing.T) {
	for _, tc := range []struct {
		table  Table
		line   string
		p1, p2 string
		id     int
		text   string
	}{
		{SDK, "10010-1The user unplugged wired earphone", "0", "-1", 1001, "The user unplugged wired earphone"},
		{SDK, "300310-1Audio codec: aac", "10", "-1", 3003, "Audio codec: aac"},
		{SDK, "600110(Qos: local mode - smoothness preferred) video call", "1", "0", 6001, "(Qos: local mode - smoothness preferred) video call"},
		{SDK, "60011023(Qos: cloud control mode - definition preferred) voice chat room", "102", "3", 6001, "(Qos: cloud control mode - definition preferred) voice chat room"},
		{SDK, "4003Resolution widthResolution heightVideo resolution has been switched", "Resolution width", "Resolution height", 4003, "Video resolution has been switched"},
		{SDK, "4008Video frame rate-1The user switched video frame rate", "Video frame rate", "-1", 4008, "The user switched video frame rate"},
		{SDK, "4013Number of frames failed to be decoded (3s)1(Hardware) decoding failed", "Number of frames failed to be decoded (3s)", "1", 4013, "(Hardware) decoding failed"},
		{SDK, "4011-1-1Failed to start hardware decoder", "-1", "-1", 4011, "Failed to start hardware decoder"},
		{WebRTC, "36864-1-1Signaling channel has disconnected, which is reported by the backend", "-1", "-1", 36864, "Signaling channel has disconnected, which is reported by the backend"},
		{Experience, "4Video lagged", "-1", "-1", 4, "Video lagged"},
		{Dismissal, "1006Room entry eventually failed (including failures in any stage, such as SDK verification failure)", "-1", "-1", 1006, "Room entry eventually failed (including failures in any stage, such as SDK verification failure)"},
		{Realtime, "2006The volume level of audio capturing was 0", "-1", "-1", 2006, "The volume level of audio capturing was 0"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, err := splitRow(tc.table, tc.line)
			want := Row{Table: tc.table, ID: tc.id, Param1: tc.p1, Param2: tc.p2, Text: tc.text}
			if err != nil || got != want {
				t.Errorf("splitRow = %+v, %v\nwant %+v", got, err, want)
			}
		})
	}
	for _, bad := range []struct {
		table Table
		line  string
	}{
		{SDK, "100The user"},           // id too short
		{SDK, "1001The user"},          // no parameters
		{SDK, "10019The user"},         // one digit cannot be two parameters
		{Realtime, "20261The user"},    // a five-digit id in a four-digit table
		{Dismissal, "1001"},            // no text
		{WebRTC, "32768-1-1 Enabled"},  // a text does not start with a space
		{SDK, "1001Video bitrateoops"}, // second parameter missing
	} {
		if r, err := splitRow(bad.table, bad.line); err == nil {
			t.Errorf("splitRow(%s, %q) = %+v, want an error", bad.table, bad.line, r)
		}
	}
}

// TestReadMappingRefusesStrayLines: a line that is no row, heading, note or column
// title makes the parse fail instead of being skipped.
func TestReadMappingRefusesStrayLines(t *testing.T) {
	for _, raw := range []string{
		"Experience Event ID Mapping Table\n\nExperience IDDescription\n1Room entry was slow\n", // no known heading: nothing read
		"Exceptional Experience ID Mapping Table\n\n1Room entry was slow\n",                     // row before the column titles
		"Exceptional Experience ID Mapping Table\n\nExperience IDDescription\nRoom entry was slow\n",
	} {
		rows, err := readMapping(raw)
		if err == nil && len(rows) > 0 {
			t.Errorf("readMapping(%q) = %v, want an error or nothing", raw, rows)
		}
	}
}

// TestDiffRowsSaysWhatDiffers: the failure message names the reference line, the row
// and both texts, so a data fix needs no digging.
func TestDiffRowsSaysWhatDiffers(t *testing.T) {
	ref := []refRow{
		{Row{SDK, 3003, "10", "-1", "Audio codec: aac"}, 93},
		{Row{SDK, 3003, "11", "-1", "Audio codec: opus"}, 94},
		{Row{Realtime, 2026, "-1", "-1", "The downstream substream image lagged"}, 262},
	}
	cat := []Row{
		{SDK, 3003, "10", "-1", "Audio codec: AAC"},
		{SDK, 3003, "1", "1", "Audio codec: opus"},
		{Realtime, 2026, "-1", "-1", "The downstream substream image lagged"},
	}
	want := []string{
		"reference line 93: sdk 3003 (10, -1)\n\treference: \"Audio codec: aac\"\n\tcatalogue: \"Audio codec: AAC\"",
		"reference line 94: sdk 3003 (11, -1) \"Audio codec: opus\" is missing from the catalogue",
		"catalogue: sdk 3003 (1, 1) \"Audio codec: opus\" is not in the reference",
	}
	if got := diffRows(ref, cat); !slices.Equal(got, want) {
		t.Errorf("diffRows =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	swapped := []Row{ref[1].Row, ref[0].Row, ref[2].Row}
	if got := diffRows(ref, swapped); len(got) != 1 || !strings.Contains(got[0], "is row 1 of the reference but the catalogue lists sdk 3003 (11, -1) there") {
		t.Errorf("diffRows of a reordering = %q", got)
	}
	if got := diffRows(ref, []Row{ref[0].Row, ref[1].Row, ref[2].Row}); got != nil {
		t.Errorf("diffRows of equal rows = %q", got)
	}
}
