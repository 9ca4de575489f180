package words

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

func TestWhyNow(t *testing.T) {
	exit := samplePage()
	relay := samplePage()
	relay.Event = alert.Event{App: "1400000001", Room: "8489", Task: "t1",
		Codes: []alert.Code{{Field: "event", Label: "Event", Value: 401, Name: "relay.cdn_status", Meaning: "Relay status"}}}
	tests := []struct {
		name string
		page alert.Notification
		why  *alert.Why
		edit func(*alert.Notification)
		want string
	}{
		{"no why", exit, nil, nil, ""},
		{"relative threshold that waited", exit, &alert.Why{Need: 3, Share: 0.5, Of: "room", Within: 40 * time.Second, For: 20 * time.Second, Dropped: 7, Away: 6, Population: 9}, nil,
			"7 of 9 users dropped within 40s; 6 still away after 20s"},
		{"plain threshold", exit, &alert.Why{Need: 5, Within: time.Minute, Dropped: 5}, nil, "5 users dropped within 1m"},
		{"one user", exit, &alert.Why{Need: 2, Within: time.Minute, Dropped: 1}, nil, "1 user dropped within 1m"},
		{"population unknown: no \"of N\"", exit, &alert.Why{Need: 3, Share: 0.3, Within: 40 * time.Second, Dropped: 7}, nil, "7 users dropped within 40s"},
		{"population below the count: not written", exit, &alert.Why{Within: 40 * time.Second, Dropped: 7, Population: 3}, nil, "7 users dropped within 40s"},
		{"app-wide", exit, &alert.Why{Share: 0.05, Of: "app", Within: time.Minute, Dropped: 120, Population: 2000}, nil, "120 of 2000 users in the app dropped within 1m"},
		{"nothing counted yet: what it needs", exit, &alert.Why{Need: 3, Share: 0.5, Of: "room", Within: 40 * time.Second}, nil, "at least 3 users (50% of the room) dropped within 40s"},
		{"nothing known but the window", exit, &alert.Why{Within: 90 * time.Second}, nil, "users dropped within 1m30s"},
		{"away unknown", exit, &alert.Why{Within: 40 * time.Second, For: 20 * time.Second, Dropped: 4}, nil, "4 users dropped within 40s; still away after 20s"},
		{"pending user", exit, &alert.Why{For: 30 * time.Second}, nil, "not back within 30s"},
		{"pending task", relay, &alert.Why{For: time.Minute}, nil, "not recovered within 1m"},
		{"tasks counted", relay, &alert.Why{Need: 3, Within: 10 * time.Minute, Dropped: 3}, func(n *alert.Notification) { n.MemberKind = alert.MembersTasks },
			"3 tasks matched within 10m"},
		{"events of fewer members", relay, &alert.Why{Need: 3, Within: 10 * time.Minute, Dropped: 1}, func(n *alert.Notification) { n.Count = 3 },
			"3 events from 1 task matched within 10m"},
		{"resolved page says who recovered instead", exit, &alert.Why{For: 30 * time.Second}, func(n *alert.Notification) { n.Kind = alert.KindResolved }, ""},
		{"zero why", exit, &alert.Why{}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.page
			n.Why = tt.why
			if tt.edit != nil {
				tt.edit(&n)
			}
			if got := WhyNow(n); got != tt.want {
				t.Errorf("WhyNow = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpanAndPercent(t *testing.T) {
	for d, want := range map[time.Duration]string{40 * time.Second: "40s", 2 * time.Minute: "2m", 90 * time.Second: "1m30s",
		time.Hour: "1h", 500 * time.Millisecond: "500ms", 61 * time.Minute: "1h1m"} {
		if got := Span(d); got != want {
			t.Errorf("Span(%v) = %q, want %q", d, got, want)
		}
	}
	for share, want := range map[float64]string{0.5: "50%", 1: "100%", 0.01: "1%", 1.0 / 3: "33.3%"} {
		if got := Percent(share); got != want {
			t.Errorf("Percent(%v) = %q, want %q", share, got, want)
		}
	}
}

// TestCountAgreesWithList is the title's {{.Count}} (alert.CountMark, as
// rules renders it for a threshold or a group) against the member list the
// page shows: the same number, however the store counted.
func TestCountAgreesWithList(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*alert.Notification)
		count string
	}{
		{"listed members", func(n *alert.Notification) { n.Members, n.MemberCount = members(4), 4 }, "4"},
		{"listed and more", func(n *alert.Notification) { n.Members, n.MemberCount, n.MembersMore = members(20), 26, 6 }, "26"},
		// A group's members past its cap are counted as more, not in
		// member_count: the list says "and N more", so does the count.
		{"more beyond the member count", func(n *alert.Notification) { n.Members, n.MemberCount, n.MembersMore = members(10), 12, 5 }, "15"},
		{"no list yet: what was counted", func(n *alert.Notification) { n.Why = &alert.Why{Need: 5, Dropped: 7} }, "7"},
		{"no list, nothing counted: what it needs", func(n *alert.Notification) { n.Why = &alert.Why{Need: 5} }, "5"},
		{"nothing at all: the events", func(n *alert.Notification) { n.Count = 3 }, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := samplePage()
			n.Aggregate, n.MemberKind, n.Count = true, alert.MembersUsers, 1
			n.Title = alert.CountMark + " users dropped"
			n.Text = "Dropped: " + alert.CountMark
			tt.edit(&n)
			if got, want := Title(n), tt.count+" users dropped"; got != want {
				t.Errorf("Title = %q, want %q", got, want)
			}
			if got, want := Text(n), "Dropped: "+tt.count; got != want {
				t.Errorf("Text = %q, want %q", got, want)
			}
			if len(n.Members) > 0 {
				var field string
				for _, f := range Fields(n) {
					if strings.HasPrefix(f.Name, "Users (") {
						field = f.Name
					}
				}
				if want := "Users (" + tt.count + ")"; field != want {
					t.Errorf("member field %q, want %q", field, want)
				}
			}
		})
	}
}

func members(n int) []alert.Member {
	ms := make([]alert.Member, n)
	for i := range ms {
		ms[i] = alert.Member{Name: "u" + string(rune('a'+i%26)), Events: 1}
	}
	return ms
}

func TestRunbookWords(t *testing.T) {
	tests := []struct {
		name     string
		rb       *alert.Runbook
		kind     alert.Kind
		url      string
		text     string
		shown    bool
		contains string
	}{
		{"none", nil, alert.KindFiring, "", "", false, ""},
		{"link", &alert.Runbook{URL: "https://wiki.example.com/rb?a=1&b=2"}, alert.KindFiring, "https://wiki.example.com/rb?a=1&b=2", "", true, ""},
		{"text", &alert.Runbook{Text: "Call the producer."}, alert.KindFiring, "", "Call the producer.", true, ""},
		{"both, in an update", &alert.Runbook{URL: "http://x.example/rb", Text: "Read it"}, alert.KindUpdate, "http://x.example/rb", "Read it", true, ""},
		{"not on a resolved page", &alert.Runbook{Text: "Call the producer."}, alert.KindResolved, "", "Call the producer.", false, ""},
		{"not a link: javascript", &alert.Runbook{URL: "javascript:alert(1)"}, alert.KindFiring, "", "", false, ""},
		{"not a link: a space", &alert.Runbook{URL: "https://x.example/a b"}, alert.KindFiring, "", "", false, ""},
		{"not a link: Slack syntax", &alert.Runbook{URL: "https://x.example/|<!channel>"}, alert.KindFiring, "", "", false, ""},
		{"not a link: no host", &alert.Runbook{URL: "https:///path"}, alert.KindFiring, "", "", false, ""},
		{"text on one line", &alert.Runbook{Text: "one\ntwo\r\nthree"}, alert.KindFiring, "", "one two three", true, ""},
		{"text cut", &alert.Runbook{Text: strings.Repeat("é", 400)}, alert.KindFiring, "", strings.Repeat("é", 299) + "…", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := samplePage()
			n.Kind, n.Runbook = tt.kind, tt.rb
			if got := RunbookURL(n.Runbook); got != tt.url {
				t.Errorf("RunbookURL = %q, want %q", got, tt.url)
			}
			if got := RunbookText(n.Runbook); got != tt.text {
				t.Errorf("RunbookText = %q, want %q", got, tt.text)
			}
			if got := ShowsRunbook(n); got != tt.shown {
				t.Errorf("ShowsRunbook = %v, want %v", got, tt.shown)
			}
			page := RenderText(n)
			if has := strings.Contains(page, "  runbook: "); has != tt.shown {
				t.Errorf("console page shows a runbook: %v, want %v:\n%s", has, tt.shown, page)
			}
		})
	}
}

func TestConsoleURL(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 49, 12, 0, time.UTC)
	tests := []struct {
		name string
		edit func(*alert.Notification)
		base string
		want string // "" for no link
	}{
		{"room, no CommId: the call list around the event", func(*alert.Notification) {}, "",
			"https://console.cloud.tencent.com/trtc/monitor?endTs=1795752252000&roomNum=8489&sdkAppId=1400000001&startTs=1795747752000"},
		{"string room", func(n *alert.Notification) { n.Event.Room, n.Event.RoomKey = "live-1", "s:live-1" }, "",
			"https://console.cloud.tencent.com/trtc/monitor?endTs=1795752252000&roomStr=live-1&sdkAppId=1400000001&startTs=1795747752000"},
		{"string room of digits", func(n *alert.Notification) { n.Event.RoomKey = "s:8489" }, "",
			"https://console.cloud.tencent.com/trtc/monitor?endTs=1795752252000&roomStr=8489&sdkAppId=1400000001&startTs=1795747752000"},
		{"CommId known: the call's details", func(n *alert.Notification) {
			n.Enrichment = &alert.Enrichment{CommID: "1400000001_8489_1795750000"}
		}, "", "https://console.cloud.tencent.com/trtc/monitor/call-details?commId=1400000001_8489_1795750000&createTime=1795750000&roomNum=8489&sdkAppid=1400000001"},
		{"CommId without a time", func(n *alert.Notification) { n.Enrichment = &alert.Enrichment{CommID: "abc"} }, "",
			"https://console.cloud.tencent.com/trtc/monitor/call-details?commId=abc&roomNum=8489&sdkAppid=1400000001"},
		{"international console", func(*alert.Notification) {}, "https://console.trtc.io/monitor/",
			"https://console.trtc.io/monitor?endTs=1795752252000&roomNum=8489&sdkAppId=1400000001&startTs=1795747752000"},
		{"client text query-escaped", func(n *alert.Notification) { n.Event.Room, n.Event.RoomKey = "a&b=<c>|d e", "s:a&b=<c>|d e" }, "",
			"https://console.cloud.tencent.com/trtc/monitor?endTs=1795752252000&roomStr=a%26b%3D%3Cc%3E%7Cd+e&sdkAppId=1400000001&startTs=1795747752000"},
		{"absurd room: the app's dashboard", func(n *alert.Notification) { n.Event.Room = strings.Repeat("<", 400) }, "",
			"https://console.cloud.tencent.com/trtc/monitor?sdkAppId=1400000001"},
		{"no time", func(n *alert.Notification) { n.Event.Time, n.CreatedAt = time.Time{}, time.Time{} }, "",
			"https://console.cloud.tencent.com/trtc/monitor?roomNum=8489&sdkAppId=1400000001"},
		{"no room", func(n *alert.Notification) { n.Event.Room = "" }, "", ""},
		{"no app", func(n *alert.Notification) { n.Event.App = "" }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := samplePage()
			n.Event.Time = at
			tt.edit(&n)
			got := ConsoleURL(n, tt.base)
			if got != tt.want {
				t.Errorf("ConsoleURL =\n%s\nwant\n%s", got, tt.want)
			}
			if got != "" {
				if _, err := url.Parse(got); err != nil || linkable(got) != got {
					t.Errorf("%q is not a sound link (%v)", got, err)
				}
			}
		})
	}
}

func TestClientLineAndCommID(t *testing.T) {
	full := &alert.ClientInfo{Terminal: "Android", UserType: "Native SDK", SDKVersion: "11.4", Device: "Pixel 7", OS: "Android 14", Network: "Wi-Fi"}
	terminal := alert.Code{Field: "terminal", Label: "Terminal", Value: 2, Meaning: "Android"}
	tests := []struct {
		name   string
		client *alert.ClientInfo
		codes  []alert.Code
		want   string
	}{
		{"none", nil, nil, ""},
		{"all", full, nil, "Android · Native SDK · SDK 11.4 · Pixel 7 · Android 14 · Wi-Fi"},
		{"the event shows the terminal already", full, []alert.Code{terminal}, "Native SDK · SDK 11.4 · Pixel 7 · Android 14 · Wi-Fi"},
		{"some", &alert.ClientInfo{SDKVersion: "5.0", Network: "4G"}, nil, "SDK 5.0 · 4G"},
		{"a client's words made literal", &alert.ClientInfo{Device: "*Pixel*\n[CRITICAL]"}, nil, "`*Pixel*\uFFFD[CRITICAL]`"},
		{"cut", &alert.ClientInfo{Device: strings.Repeat("x", 100)}, nil, strings.Repeat("x", 63) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := samplePage()
			n.Event.Codes = append(n.Event.Codes, tt.codes...)
			n.Enrichment = &alert.Enrichment{Client: tt.client}
			if got := ClientLine(n); got != tt.want {
				t.Errorf("ClientLine = %q, want %q", got, tt.want)
			}
		})
	}
	n := samplePage()
	if CommID(n) != "" {
		t.Error("CommID without enrichment")
	}
	n.Enrichment = &alert.Enrichment{CommID: "1400_x`\n_1"}
	if got := CommID(n); got != "1400_x'\uFFFD_1" {
		t.Errorf("CommID = %q", got)
	}
}

func TestMissingLines(t *testing.T) {
	tests := []struct {
		name    string
		missing []alert.Missing
		want    []string
	}{
		{"none", nil, []string{}},
		{"call quality", []alert.Missing{{Data: "call_quality", Reason: "AuthFailure"}}, []string{"call-quality data unavailable: AuthFailure"}},
		{"one line each", []alert.Missing{{Data: "call_detail", Reason: "RequestLimitExceeded"}, {Data: "room", Reason: "timeout"}, {Data: "client", Reason: "no data"}},
			[]string{"call details unavailable: RequestLimitExceeded", "room details unavailable: timeout", "client details unavailable: no data"}},
		{"no reason", []alert.Missing{{Data: "call_quality"}}, []string{"call-quality data unavailable"}},
		{"unknown datum", []alert.Missing{{Data: "new_thing", Reason: "x"}}, []string{"new thing unavailable: x"}},
		{"a reason from elsewhere, neutralised", []alert.Missing{{Data: "room", Reason: "bad\n[CRITICAL] " + strings.Repeat("y", 200)}},
			[]string{"room details unavailable: bad\uFFFD[CRITICAL] " + strings.Repeat("y", 64) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MissingLines(&alert.Enrichment{Missing: tt.missing})
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("MissingLines =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	if MissingLines(nil) != nil {
		t.Error("MissingLines(nil) is not nil")
	}
}

func TestMembersRoleAndReason(t *testing.T) {
	tests := []struct {
		name       string
		members    []alert.Member
		more       int
		list       string
		role       string // the Role field, "" for none
		reason     string // the Reason field
		textReason string // in the default text
	}{
		{"none known: as before", []alert.Member{{Name: "u1", Events: 3}, {Name: "u2", Events: 1}}, 2,
			"u1 (3), u2 and 2 more", "", "Timeout", "Timeout"},
		{"each their own", []alert.Member{{Name: "a", Events: 1, Role: "Anchor", Reason: "Timeout"}, {Name: "v", Events: 2, Role: "Audience", Reason: "Kicked out"}}, 0,
			"a (Anchor, Timeout), v (Audience, Kicked out, 2 events)", "", "", ""},
		{"shared role and reason are fields", []alert.Member{{Name: "v1", Events: 1, Role: "Audience", Reason: "Timeout"}, {Name: "v2", Events: 2, Role: "Audience", Reason: "Timeout"}}, 0,
			"v1, v2 (2)", "Audience", "Timeout", "Timeout"},
		{"shared role, reasons differ", []alert.Member{{Name: "v1", Events: 1, Role: "Audience", Reason: "Timeout"}, {Name: "v2", Events: 1, Role: "Audience", Reason: "Force-closed"}}, 0,
			"v1 (Timeout), v2 (Force-closed)", "Audience", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := samplePage()
			n.Title, n.Text = "", ""
			n.Aggregate, n.MemberKind = true, alert.MembersUsers
			n.Members, n.MembersMore, n.MemberCount = tt.members, tt.more, len(tt.members)
			if got := Members(n.Members, n.MembersMore); got != tt.list {
				t.Errorf("Members = %q, want %q", got, tt.list)
			}
			fields := map[string]string{}
			for _, f := range Fields(n) {
				fields[f.Name] = f.Value
			}
			if fields["Role"] != tt.role || fields["Reason"] != tt.reason {
				t.Errorf("Role, Reason fields = %q, %q; want %q, %q", fields["Role"], fields["Reason"], tt.role, tt.reason)
			}
			if _, ok := fields["Terminal"]; ok {
				t.Error("an aggregate shows one user's terminal")
			}
			wantText := "User left room in room `8489`"
			if tt.textReason != "" {
				wantText = "User left room (" + tt.textReason + ") in room `8489`"
			}
			if got := Text(n); got != wantText {
				t.Errorf("Text = %q, want %q", got, wantText)
			}
			// The default title names the reason only when it is the page's.
			wantTitle := "User left room"
			if tt.textReason != "" {
				wantTitle += ": " + tt.textReason
			}
			if got := Title(n); got != wantTitle {
				t.Errorf("Title = %q, want %q", got, wantTitle)
			}
		})
	}
}

// TestCodesOnlyWhereTheyAddSomething: the codes block lists what the fields
// do not say, and nothing on a page whose codes all have words.
func TestCodesOnlyWhereTheyAddSomething(t *testing.T) {
	event := alert.Code{Field: "event", Label: "Event", Value: 104, Name: "room.exit", Meaning: "User left room"}
	group := alert.Code{Field: "group", Label: "Group", Value: 1, Name: "room", Meaning: "Room events"}
	unknown := alert.Code{Field: "reason", Label: "Reason", Value: 9, Name: "unknown", Meaning: "unknown reason 9 for event 104"}
	bare := alert.Code{Field: "status", Value: 7} // no words: only the codes block can show it
	role := alert.Code{Field: "role", Label: "Role", Value: 20, Name: "role.anchor", Meaning: "Anchor"}
	tests := []struct {
		name      string
		codes     []alert.Code
		aggregate bool
		want      []string
	}{
		{"every code a field", []alert.Code{group, event, role}, false, nil},
		{"undocumented code: a field with the catalogue's marker", []alert.Code{event, unknown}, false, nil},
		{"a code without words", []alert.Code{event, bare}, false, []string{"status"}},
		{"aggregate: the opener's role is nobody's", []alert.Code{event, role}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := samplePage()
			n.Event.Codes, n.Aggregate = tt.codes, tt.aggregate
			var got []string
			for _, c := range CodeLines(n) {
				got = append(got, c.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("CodeLines = %v, want %v", got, tt.want)
			}
		})
	}
	// The catalogue's "unknown" words reach the page.
	n := samplePage()
	n.Event.Codes = []alert.Code{event, unknown}
	if page := RenderText(n); !strings.Contains(page, "Reason: unknown reason 9 for event 104") {
		t.Errorf("the undocumented reason is lost:\n%s", page)
	}
}

func TestSawMarksUndocumentedEvents(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 49, 12, 0, time.UTC)
	tests := []struct {
		name string
		ev   alert.ClientEvent
		want string
	}{
		{"documented", alert.ClientEvent{Time: at, ID: 5005, Name: "Connection to CVM timed out", Param1: 3}, "03:49:12 5005 Connection to CVM timed out"},
		{"a parameter matched no row", alert.ClientEvent{Time: at, ID: 1003, Name: "Network type changed", Undocumented: true, Param1: 9, Param2: -1},
			"03:49:12 1003 Network type changed [parameters 9, -1 not documented]"},
		{"parameter 0", alert.ClientEvent{Time: at, ID: 1003, Name: "Network type changed", Undocumented: true, Param2: -1},
			"03:49:12 1003 Network type changed [parameters 0, -1 not documented]"},
		{"unknown id without parameters", alert.ClientEvent{Time: at, ID: 99999, Name: "unknown sdk event", Undocumented: true, Param1: -1, Param2: -1},
			"03:49:12 99999 unknown sdk event [not documented]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Saw(&alert.Enrichment{Events: []alert.ClientEvent{tt.ev}})
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("Saw = %q, want %q", got, tt.want)
			}
		})
	}
	// The marker survives the notification's trip through the outbox.
	n := samplePage()
	n.Enrichment = &alert.Enrichment{Events: []alert.ClientEvent{tests[2].ev}}
	b, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := alert.UnmarshalNotification(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := Saw(back.Enrichment); len(got) != 1 || got[0] != tests[2].want {
		t.Errorf("after the outbox: %q", got)
	}
}
