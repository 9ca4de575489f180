package catalog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func mustNew(tb testing.TB) *Catalog {
	tb.Helper()
	c, err := New()
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

func TestRowCounts(t *testing.T) {
	c := mustNew(t)
	want := map[Table]int{SDK: 83, WebRTC: 27, Experience: 5, Dismissal: 32, Realtime: 26}
	total := 0
	for _, tab := range IDTables() {
		got := len(c.Rows(tab))
		if got != want[tab] {
			t.Errorf("%s: %d rows, want %d", tab, got, want[tab])
		}
		total += got
	}
	if total != 173 {
		t.Errorf("%d rows in all, want 173", total)
	}
}

// TestEveryRowDecodesToItself is the data file's own round trip: each row, decoded with
// its parameters (a sample value for quantities), gives back exactly its text.
func TestEveryRowDecodesToItself(t *testing.T) {
	c := mustNew(t)
	for _, tab := range IDTables() {
		for _, row := range c.Rows(tab) {
			p1, p2 := sampleParam(row.Param1), sampleParam(row.Param2)
			m := c.Decode(tab, row.ID, p1, p2)
			if !m.Known || m.Fallback || m.Text != row.Text {
				t.Errorf("Decode(%s, %d, %d, %d) = %+v, want text %q", tab, row.ID, p1, p2, m, row.Text)
			}
		}
	}
}

func TestDecode(t *testing.T) {
	c := mustNew(t)
	tests := []struct {
		name     string
		table    Table
		id       int
		p1, p2   int64
		text     string
		params   []Param
		known    bool
		fallback bool
		str      string // expected String(), "" to skip
	}{
		{"namespacing sdk 1001", SDK, 1001, 0, -1, "The user unplugged wired earphone", nil, true, false, ""},
		{"namespacing dismissal 1001", Dismissal, 1001, -1, -1, "Failed to initialize audio device", nil, true, false,
			"dismissal 1001: Failed to initialize audio device"},
		{"dismissal ignores parameters", Dismissal, 1001, 7, 8, "Failed to initialize audio device", nil, true, false, ""},
		{"realtime 2026", Realtime, 2026, -1, -1, "The downstream substream image lagged", nil, true, false, ""},
		{"experience 4", Experience, 4, -1, -1, "Video lagged", nil, true, false, ""},
		{"webrtc 36864", WebRTC, 36864, -1, -1, "Signaling channel has disconnected, which is reported by the backend", nil, true, false, ""},
		{"3003 aac", SDK, 3003, 10, -1, "Audio codec: aac", nil, true, false, ""},
		{"3003 opus", SDK, 3003, 11, -1, "Audio codec: opus", nil, true, false, ""},
		{"3003 is not 1,0", SDK, 3003, 1, 0, "Audio codec in use", nil, true, true, ""},
		{"6001 cloud smoothness video call", SDK, 6001, 101, 0, "(Qos: cloud control mode - smoothness preferred) video call", nil, true, false,
			"sdk 6001: (Qos: cloud control mode - smoothness preferred) video call"},
		{"6001 local definition voice chat", SDK, 6001, 2, 3, "(Qos: local mode - definition preferred) voice chat room", nil, true, false, ""},
		{"6001 cloud definition live", SDK, 6001, 102, 1, "(Qos: cloud control mode - definition preferred) live streaming", nil, true, false, ""},
		{"6001 unknown scene", SDK, 6001, 101, 7, "QoS mode and scene set", nil, true, true,
			"sdk 6001: QoS mode and scene set [general meaning: parameters 101, 7 matched no documented row]"},
		{"4013 hardware", SDK, 4013, 12, 1, "(Hardware) decoding failed", []Param{{"Number of frames failed to be decoded (3s)", 12}}, true, false,
			"sdk 4013: (Hardware) decoding failed (Number of frames failed to be decoded (3s) = 12)"},
		{"4013 software", SDK, 4013, 3, 0, "(Software) decoding failed", []Param{{"Number of frames failed to be decoded (3s)", 3}}, true, false, ""},
		{"4013 unknown decoder keeps the count", SDK, 4013, 12, 5, "Decoding failed", []Param{{"Number of frames failed to be decoded (3s)", 12}}, true, true,
			"sdk 4013: Decoding failed (Number of frames failed to be decoded (3s) = 12) [general meaning: parameter 5 matched no documented row]"},
		{"4003 both quantities", SDK, 4003, 1280, 720, "Video resolution has been switched",
			[]Param{{"Resolution width", 1280}, {"Resolution height", 720}}, true, false,
			"sdk 4003: Video resolution has been switched (Resolution width = 1280, Resolution height = 720)"},
		{"4009 large bitrate", SDK, 4009, 1 << 40, -1, "The user switched video bitrate", []Param{{"Video bitrate", 1 << 40}}, true, false, ""},
		{"4008 quantity -1 is not in use", SDK, 4008, -1, -1, "The user switched video frame rate", nil, true, false,
			"sdk 4008: The user switched video frame rate"},
		{"7001 timed out", SDK, 7001, 1, -1, "Timed out", nil, true, false, ""},
		{"7001 kicked out", SDK, 7001, 2, -1, "Kicked out", nil, true, false, ""},
		{"7001 exited", SDK, 7001, 0, -1, "Exited room normally", nil, true, false, ""},
		{"unused -1 row ignores values", SDK, 5001, 4, 4, "Started entering room", nil, true, false, ""},
		{"unused second parameter", SDK, 1003, 1, 99, "The user is using Wi-Fi network", nil, true, false, ""},
		{"fallback", SDK, 1003, 9, -1, "Network type changed", nil, true, true,
			"sdk 1003: Network type changed [general meaning: parameter 9 matched no documented row]"},
		{"fallback on -1 literal", SDK, 1003, -1, -1, "Network type changed", nil, true, true,
			"sdk 1003: Network type changed [general meaning: parameter -1 matched no documented row]"},
		{"unknown sdk id", SDK, 9999, -1, -1, "unknown sdk id 9999", nil, false, false, "sdk 9999: unknown sdk id 9999"},
		{"unknown id shows parameters", WebRTC, 40000, 3, -1, "unknown webrtc id 40000", nil, false, false,
			"webrtc 40000: unknown webrtc id 40000 (parameters 3, -1)"},
		{"dismissal id is not an sdk id", Dismissal, 1032 + 1, -1, -1, "unknown dismissal id 1033", nil, false, false, ""},
		{"sdk has no 2026", SDK, 2026, -1, -1, "unknown sdk id 2026", nil, false, false, ""},
		{"unknown table", Table("nope"), 1, -1, -1, "unknown nope id 1", nil, false, false, "nope 1: unknown nope id 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := c.Decode(tt.table, tt.id, tt.p1, tt.p2)
			if m.Text != tt.text || m.Known != tt.known || m.Fallback != tt.fallback || !slices.Equal(m.Params, tt.params) {
				t.Errorf("Decode = %+v\nwant text %q params %v known %v fallback %v", m, tt.text, tt.params, tt.known, tt.fallback)
			}
			if m.Table != tt.table || m.ID != tt.id || m.Param1 != tt.p1 || m.Param2 != tt.p2 {
				t.Errorf("Decode did not echo its input: %+v", m)
			}
			if tt.str != "" && m.String() != tt.str {
				t.Errorf("String() = %q\nwant       %q", m.String(), tt.str)
			}
		})
	}
}

func TestMeaningJSON(t *testing.T) {
	c := mustNew(t)
	b, err := json.Marshal(c.Decode(SDK, 4013, 12, 1))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"table":"sdk","id":4013,"param1":12,"param2":1,"text":"(Hardware) decoding failed",` +
		`"params":[{"name":"Number of frames failed to be decoded (3s)","value":12}],"known":true,"fallback":false}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	var back Meaning
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.String() != c.Decode(SDK, 4013, 12, 1).String() {
		t.Errorf("round trip String() = %q", back.String())
	}
}

// TestDecodeAllocs pins the promise that decoding a documented id allocates nothing,
// including the rows whose named quantities fill Params.
func TestDecodeAllocs(t *testing.T) {
	c := mustNew(t)
	cases := []struct {
		table  Table
		id     int
		p1, p2 int64
	}{
		{SDK, 4013, 12, 1}, {SDK, 4003, 1280, 720}, {SDK, 6001, 101, 0},
		{SDK, 1003, 9, -1}, {Dismissal, 1001, -1, -1}, {WebRTC, 32768, -1, -1},
	}
	for _, tc := range cases {
		allocs := testing.AllocsPerRun(200, func() {
			m := c.Decode(tc.table, tc.id, tc.p1, tc.p2)
			if !m.Known {
				t.Fatal("not known")
			}
		})
		if allocs != 0 {
			t.Errorf("Decode(%s, %d, %d, %d): %v allocs, want 0", tc.table, tc.id, tc.p1, tc.p2, allocs)
		}
	}
	// An unknown id pays for its formatted text, once.
	if allocs := testing.AllocsPerRun(200, func() { _ = c.Decode(SDK, 9999, -1, -1) }); allocs > 1 {
		t.Errorf("Decode of an unknown id: %v allocs, want at most 1", allocs)
	}
}

func TestGeneralMeaningsCoverLiteralIDs(t *testing.T) {
	c := mustNew(t)
	for _, tab := range c.tables {
		for id, e := range tab.byID {
			if e.general == "" {
				t.Errorf("%s %d: no general meaning", tab.name, id)
			}
			if (e.literal1 || e.literal2) && slices.ContainsFunc(e.rows, func(r idRow) bool { return r.text == e.general }) {
				t.Errorf("%s %d: general meaning %q claims one row's specific event", tab.name, id, e.general)
			}
		}
	}
}

func TestParseTable(t *testing.T) {
	for _, s := range []string{"sdk", "webrtc", "experience", "dismissal", "realtime", "callback"} {
		if got, ok := ParseTable(s); !ok || string(got) != s {
			t.Errorf("ParseTable(%q) = %q, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "SDK", "sdk ", "callbacks"} {
		if _, ok := ParseTable(s); ok {
			t.Errorf("ParseTable(%q) accepted", s)
		}
	}
}

func TestEntries(t *testing.T) {
	c := mustNew(t)
	all, ok := c.Entries("")
	if !ok || len(all.Tables) != 5 || len(all.Callback) == 0 {
		t.Fatalf("Entries(\"\") = %d tables, %d codes, %v", len(all.Tables), len(all.Callback), ok)
	}
	sdk, ok := c.Entries(SDK)
	if !ok || len(sdk.Tables[SDK]) != 83 || sdk.Callback != nil {
		t.Errorf("Entries(sdk) = %+v", sdk)
	}
	cb, ok := c.Entries(Callback)
	if !ok || cb.Tables != nil || len(cb.Callback) != len(all.Callback) {
		t.Errorf("Entries(callback): %d tables, %d codes", len(cb.Tables), len(cb.Callback))
	}
	if _, ok := c.Entries("bogus"); ok {
		t.Error("Entries(bogus) ok")
	}
	b, err := json.Marshal(sdk)
	if err != nil || !strings.HasPrefix(string(b), `{"tables":{"sdk":[{"table":"sdk","id":1001,"param1":"0","param2":"-1","text":"The user unplugged wired earphone"}`) {
		t.Errorf("JSON %.120s, %v", b, err)
	}
}

func BenchmarkDecode(b *testing.B) {
	c := mustNew(b)
	b.ReportAllocs()
	var known int
	for b.Loop() {
		m := c.Decode(SDK, 4013, 12, 1)
		if m.Known {
			known++
		}
	}
	if known == 0 {
		b.Fatal("never known")
	}
}

// sampleParam is a value that selects a row's parameter: its literal, or for a named
// quantity an arbitrary reading.
func sampleParam(s string) int64 {
	if spec := parseParamSpec(s); spec.kind == paramQuantity {
		return 42
	} else if spec.kind == paramLiteral {
		return spec.literal
	}
	return -1
}
