package enrich

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/trtcapi"
)

func TestDecodeEventThroughTheCatalogue(t *testing.T) {
	d := decoder{cat: catalogtest.New(t), maxItems: 10, maxCauses: 5}
	tests := []struct {
		name     string
		id       int
		p1, p2   int64
		table    string
		text     string
		params   []Param
		known    bool
		fallback bool
		severity Severity
	}{
		{"sdk timeout", 5005, -1, -1, "sdk", "5005 Connection to CVM timed out", nil, true, false, SeverityError},
		{"sdk row by first parameter", 5003, 0, -1, "sdk", "5003 Failed to enter room", nil, true, false, SeverityError},
		{"same id, success", 5003, 1, -1, "sdk", "5003 Entered room successfully", nil, true, false, SeverityInfo},
		{"sdk namespacing: 1001 is an earphone here", 1001, 0, -1, "sdk", "1001 The user unplugged wired earphone", nil, true, false, SeverityInfo},
		{"quantities", 4007, 1280, 720, "sdk", "4007 The user switched video resolution (Resolution width 1280, Resolution height 720)",
			[]Param{{"Resolution width", 1280}, {"Resolution height", 720}}, true, false, SeverityInfo},
		{"quantity and literal", 4013, 12, 1, "sdk", "4013 (Hardware) decoding failed (Number of frames failed to be decoded (3s) 12)",
			[]Param{{"Number of frames failed to be decoded (3s)", 12}}, true, false, SeverityError},
		{"3003 opus", 3003, 11, -1, "sdk", "3003 Audio codec: opus", nil, true, false, SeverityInfo},
		{"6001 two literals", 6001, 101, 0, "sdk", "6001 (Qos: cloud control mode - smoothness preferred) video call", nil, true, false, SeverityInfo},
		{"6001 undocumented scene", 6001, 101, 7, "sdk", "6001 QoS mode and scene set [parameters 101, 7 not documented]", nil, true, true, SeverityInfo},
		{"exit timed out", 7001, 1, -1, "sdk", "7001 Timed out", nil, true, false, SeverityError},
		{"exit kicked", 7001, 2, -1, "sdk", "7001 Kicked out", nil, true, false, SeverityError},
		{"background", 2001, 1, -1, "sdk", "2001 The application has been switched to run in the background", nil, true, false, SeverityWarning},
		{"permission", 2002, 5, -1, "sdk", "2002 The application does not have permission to use camera", nil, true, false, SeverityError},
		{"webrtc", 32792, -1, -1, "webrtc", "32792 Media transmission channel has disconnected", nil, true, false, SeverityError},
		{"webrtc backend", 36864, -1, -1, "webrtc", "36864 Signaling channel has disconnected, which is reported by the backend", nil, true, false, SeverityError},
		{"webrtc info", 32788, -1, -1, "webrtc", "32788 Entered room", nil, true, false, SeverityInfo},
		{"unknown sdk id", 9999, 3, -1, "sdk", "9999 unknown sdk event [parameters 3, -1 not documented]", nil, false, false, SeverityWarning},
		{"unknown webrtc id", 40000, -1, -1, "webrtc", "40000 unknown webrtc event", nil, false, false, SeverityWarning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := time.Unix(1700000000, 0)
			got := d.event("alice", trtcapi.UserEvent{Type: 2, Time: at, EventID: tt.id, ParamOne: tt.p1, ParamTwo: tt.p2})
			want := ClientEvent{Time: at, PeerID: "alice", StreamType: 2, Table: tt.table, ID: tt.id, Param1: tt.p1, Param2: tt.p2,
				Params: tt.params, Known: tt.known, Fallback: tt.fallback, Severity: tt.severity, Text: tt.text}
			want.Name = got.Name // checked through Text
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n got %+v\nwant %+v", got, want)
			}
			if !strings.Contains(got.Text, got.Name) {
				t.Errorf("text %q does not carry the name %q", got.Text, got.Name)
			}
		})
	}
}

func TestDecodeExperienceThroughTheCatalogue(t *testing.T) {
	d := decoder{cat: catalogtest.New(t), maxItems: 10, maxCauses: 2}
	tests := []struct {
		name string
		x    trtcapi.AbnormalExperience
		want string
	}{
		{"dismissal cause", trtcapi.AbnormalExperience{ExperienceID: 1, Events: []trtcapi.AbnormalEvent{{EventID: 1013}}},
			"experience 1 Room entry was slow: 1013 The room entry request timed out. Please check the network"},
		{"dismissal causes come first", trtcapi.AbnormalExperience{ExperienceID: 3, Events: []trtcapi.AbnormalEvent{{EventID: 2006}, {EventID: 1020}}},
			"experience 3 Unable to enable audio: 1020 The mic permission is not granted. This error usually occurs on mobile devices and may be caused by permission denial by user; 2006 The volume level of audio capturing was 0"},
		{"remote peer", trtcapi.AbnormalExperience{ExperienceID: 4, Events: []trtcapi.AbnormalEvent{{EventID: 2024, PeerID: "bob"}}},
			"experience 4 Video lagged: 2024 The downstream big image lagged (from bob)"},
		{"causes capped", trtcapi.AbnormalExperience{ExperienceID: 5, Events: []trtcapi.AbnormalEvent{{EventID: 2014}, {EventID: 2015}, {EventID: 2023}}},
			"experience 5 Audio lagged: 2014 The downstream network jitter was too high; 2015 The packet loss rate of downstream audio was too high; 1 more"},
		{"unknown ids", trtcapi.AbnormalExperience{ExperienceID: 9, Events: []trtcapi.AbnormalEvent{{EventID: 1099}, {EventID: 2099}}},
			"experience 9 unknown experience: 1099 unknown dismissal event; 2099 unknown realtime event"},
		{"no causes", trtcapi.AbnormalExperience{ExperienceID: 2}, "experience 2 Unable to enable video"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.experience(tt.x); got.Text != tt.want {
				t.Errorf("text\n got %q\nwant %q", got.Text, tt.want)
			}
		})
	}
}

func TestBound(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short and clean", "alice", 10, "alice"},
		{"exactly max", "abcde", 5, "abcde"},
		{"cut with an ellipsis", "abcdef", 5, "abcd…"},
		{"control characters", "a\nb\tc\x00", 10, "a b c "},
		{"runes not bytes", long, 200, strings.Repeat("é", 199) + "…"},
		{"invalid utf-8", "a\xffb", 10, "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := trtcapi.Bound(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("trtcapi.Bound(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.max {
				t.Errorf("%d runes, over %d", n, tt.max)
			}
		})
	}
}

// TestClientStringsAreBounded feeds oversized and hostile ids through a whole
// decode: every string that reaches a page stays within its bound.
func TestClientStringsAreBounded(t *testing.T) {
	d := decoder{cat: catalogtest.New(t), maxItems: 10, maxCauses: 5}
	huge := strings.Repeat("<!here>\n", 100)
	events, _ := d.events([]trtcapi.PeerEvents{{PeerID: huge, Events: []trtcapi.UserEvent{{EventID: 5005, ParamOne: -1, ParamTwo: -1}}}}, time.Now())
	xs, _ := d.experiences([]trtcapi.AbnormalExperience{{UserID: huge, RoomID: huge, ExperienceID: 1,
		Events: []trtcapi.AbnormalEvent{{EventID: 1015, PeerID: huge}, {EventID: 1019, PeerID: huge}, {EventID: 1023, PeerID: huge}}}}, "")
	check := func(field, s string, max int) {
		if n := utf8.RuneCountInString(s); n > max || strings.ContainsAny(s, "\n\r\x00") {
			t.Errorf("%s: %d runes (max %d) or control characters: %q", field, n, max, s)
		}
	}
	check("event peer", events[0].PeerID, maxClientChars)
	check("experience user", xs[0].UserID, maxClientChars)
	check("experience room", xs[0].RoomID, maxClientChars)
	check("experience text", xs[0].Text, maxTextChars)
	for _, c := range xs[0].Causes {
		check("cause peer", c.PeerID, maxClientChars)
		check("cause text", c.Text, maxTextChars)
	}
	for _, l := range (Enrichment{Events: events, Experiences: xs}).Lines() {
		check("line", l, maxTextChars+maxClientChars+40)
	}
}

func TestEnrichmentSurvivesJSON(t *testing.T) {
	d := decoder{cat: catalogtest.New(t), maxItems: 10, maxCauses: 5}
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	events, omitted := d.events([]trtcapi.PeerEvents{{PeerID: "alice", Events: []trtcapi.UserEvent{
		{EventID: 5005, Time: at, ParamOne: -1, ParamTwo: -1},
		{EventID: 4007, Time: at, ParamOne: 640, ParamTwo: 360},
	}}}, at)
	xs, _ := d.experiences([]trtcapi.AbnormalExperience{{UserID: "alice", ExperienceID: 1, EventTime: at,
		Events: []trtcapi.AbnormalEvent{{EventID: 1013}}}}, "alice")
	in := Enrichment{Kind: KindUser, CommID: "1_2_3", Start: at.Add(-time.Minute), End: at, Events: events,
		EventsOmitted: omitted, Experiences: xs, DismissalPending: true}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"severity":"error"`) {
		t.Errorf("severity is not written by name: %s", b)
	}
	var out Enrichment
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip\n got %+v\nwant %+v", out, in)
	}
}
