package words

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hookdev/hook/internal/alert"
)

// The words that say why a page came now and what to do next: the why-now
// line, the runbook, the TRTC console link, and what is known (or missing)
// of the client. Like words.go, each is derived from typed fields, and the
// values a TRTC client chose are made inline or literal before they enter.

// PageCount is how many members the page stands for, as its member list
// counts them (listed plus "and N more"); for a page without a list, the
// threshold's numbers (what was counted, else what it needs), else how many
// events. A rule's {{.Count}} (alert.CountMark) is written as this number,
// so a title and the list below it agree.
func PageCount(n alert.Notification) int {
	if n.Aggregate {
		if c := max(n.MemberCount, len(n.Members)+n.MembersMore); c > 0 {
			return c
		}
		if w := n.Why; w != nil && w.Dropped > 0 {
			return w.Dropped
		}
		if w := n.Why; w != nil && w.Need > 0 {
			return w.Need
		}
	}
	return max(n.Count, 1)
}

// FillCount writes the page's count where its template wrote {{.Count}}.
func FillCount(n alert.Notification, s string) string {
	if !strings.Contains(s, alert.CountMark) {
		return s
	}
	return strings.ReplaceAll(s, alert.CountMark, strconv.Itoa(PageCount(n)))
}

// WhyNow says in numbers what made the alert page now, e.g. "7 of 9 users
// dropped within 40s; 6 still away after 20s" (a relative threshold that
// waited for recovery), "5 users dropped within 1m" (a plain threshold),
// "not back within 30s" (a for: alert). "" when the notification carries no
// Why, and on a resolved page, which says who recovered instead. A number
// that is zero is unknown and left out, never written as 0.
func WhyNow(n alert.Notification) string {
	w := n.Why
	if w == nil || n.Kind == alert.KindResolved || n.Kind == alert.KindDigest {
		return ""
	}
	switch {
	case w.Within > 0:
		s := whoCounted(n, w) + " " + countedVerb(n) + " within " + Span(w.Within)
		if w.For > 0 {
			s += "; "
			if w.Away > 0 {
				s += strconv.Itoa(w.Away) + " "
			}
			s += "still away after " + Span(w.For)
		}
		return s
	case w.For > 0:
		if n.Event.User != "" && n.Event.Task == "" {
			return "not back within " + Span(w.For)
		}
		return "not recovered within " + Span(w.For)
	}
	return ""
}

// whoCounted is the subject of the why-now line: "7 of 9 users", "7 users",
// "at least 5 users (50% of the room)", or just "users" when nothing was
// counted or needed.
func whoCounted(n alert.Notification, w *alert.Why) string {
	one, many := memberNouns(n)
	where := ""
	if w.Of == "app" {
		where = " in the app"
	}
	switch {
	case w.Share == 0 && w.For == 0 && w.Dropped > 0 && n.Count > w.Dropped:
		// A plain threshold counts events, and one member may send several
		// (a relay's recovery episodes): the events are what reached it.
		return strconv.Itoa(n.Count) + " events from " + strconv.Itoa(w.Dropped) + " " + plural(w.Dropped, one, many) + where
	case w.Dropped > 0 && w.Population >= w.Dropped:
		return strconv.Itoa(w.Dropped) + " of " + strconv.Itoa(w.Population) + " " + many + where
	case w.Dropped > 0:
		return strconv.Itoa(w.Dropped) + " " + plural(w.Dropped, one, many) + where
	case w.Need > 0:
		s := "at least " + strconv.Itoa(w.Need) + " " + plural(w.Need, one, many)
		if w.Share > 0 {
			of := "the room"
			if w.Of == "app" {
				of = "the app"
			}
			s += " (" + Percent(w.Share) + " of " + of + ")"
		}
		return s
	}
	return many + where
}

// memberNouns names what a threshold counts: users, tasks or rooms.
func memberNouns(n alert.Notification) (one, many string) {
	switch {
	case n.MemberKind == alert.MembersTasks:
		return "task", "tasks"
	case n.MemberKind == alert.MembersRooms:
		return "room", "rooms"
	case n.MemberKind == "" && n.Event.User == "" && n.Event.Task != "":
		return "task", "tasks"
	}
	return "user", "users"
}

// countedVerb is what the counted members did: users leaving a room dropped;
// for any other event the line says they matched the rule.
func countedVerb(n alert.Notification) string {
	if ev, _ := n.Event.Code("event"); ev.Name == "room.exit" {
		return "dropped"
	}
	return "matched"
}

// Span writes a duration as people read it: "40s", "2m", "1m30s", "1h".
func Span(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Percent writes a share (0.5) as "50%", to a tenth at most ("33.3%").
func Percent(share float64) string {
	return strconv.FormatFloat(math.Round(share*1000)/10, 'f', -1, 64) + "%"
}

// Runbook limits: the rules file refuses longer ones (rules.MaxRunbookText);
// a page cuts anything that came another way.
const (
	maxRunbookText = 300
	maxLinkURL     = 1000
)

// ShowsRunbook reports whether n's page carries the rule's runbook: a new
// page and its updates in the thread say what to do; a resolved one does not.
func ShowsRunbook(n alert.Notification) bool {
	return n.Runbook != nil && (n.Kind == alert.KindFiring || n.Kind == alert.KindUpdate || n.Kind == "") &&
		(RunbookURL(n.Runbook) != "" || RunbookText(n.Runbook) != "")
}

// RunbookURL is the runbook's address if a page can carry it as a link: an
// absolute http(s) URL without spaces or control characters, at most
// maxLinkURL long; "" otherwise. The rules file checks the same when it is
// loaded; this keeps a page sound whatever its notification says.
func RunbookURL(r *alert.Runbook) string {
	if r == nil {
		return ""
	}
	return linkable(r.URL)
}

// linkable returns s if it is an http(s) URL a page can link to, else "".
func linkable(s string) string {
	if s == "" || len(s) > maxLinkURL || strings.ContainsFunc(s, unlinkable) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// unlinkable are characters a link on a page must not hold: spaces and
// controls (the address would end there, or read differently), and what
// Slack's <address|label> syntax or a code span would take as markup.
func unlinkable(r rune) bool {
	return r <= ' ' || unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' ||
		unicode.Is(unicode.Bidi_Control, r) || strings.ContainsRune("<>|`", r)
}

// RunbookText is the runbook's text on one line, cut to maxRunbookText.
func RunbookText(r *alert.Runbook) string {
	if r == nil {
		return ""
	}
	return cut(alert.SingleLine(r.Text), maxRunbookText)
}

// DefaultTRTCConsole is the TRTC console's Monitoring Dashboard ("通话质量监控",
// call quality) in mainland China, the site whose API hook's enrichment
// calls by default (trtc.tencentcloudapi.com). TRTC's documents link it
// there (https://trtc.io/document/39069, "Call List"); accounts of the
// international site use https://console.trtc.io/monitor.
const DefaultTRTCConsole = "https://console.cloud.tencent.com/trtc/monitor"

// ConsoleLabel is the text of the console link.
const ConsoleLabel = "Call quality in the TRTC console"

// ConsoleURL is the address of the TRTC console's call-quality view of n's
// room under base (DefaultTRTCConsole when ""), or "" when n names no app
// and room. With the call's CommId known it opens the call's details
// (base/call-details?commId=…&sdkAppid=…&roomNum=…&createTime=…, the room's
// creation read from the CommId, "<SdkAppId>_<room>_<createTime>"); without
// it, the dashboard's call list for the app and room around the event
// (base?sdkAppId=…&roomNum=…&startTs=…&endTs=…, Unix ms). A string room is
// roomStr instead of roomNum. TRTC documents the dashboard's address, not
// its parameters: these are the console's own, and a console that ignores
// them still opens the dashboard. Client values are query-escaped.
func ConsoleURL(n alert.Notification, base string) string {
	e := n.Event
	if e.App == "" || e.Room == "" {
		return ""
	}
	if base == "" {
		base = DefaultTRTCConsole
	}
	base = strings.TrimRight(base, "/?")
	roomParam := "roomNum"
	if strings.HasPrefix(e.RoomKey, "s:") || e.RoomKey == "" && !digits(e.Room) {
		roomParam = "roomStr"
	}
	q := url.Values{"sdkAppId": {e.App}, roomParam: {e.Room}}
	link := ""
	if comm := commID(n); comm != "" {
		q = url.Values{"commId": {comm}, "sdkAppid": {e.App}, roomParam: {e.Room}}
		if i := strings.LastIndexByte(comm, '_'); i >= 0 && digits(comm[i+1:]) {
			q.Set("createTime", comm[i+1:])
		}
		link = base + "/call-details?" + q.Encode()
	} else {
		if t := n.Time(); !t.IsZero() {
			// The call began before the event; its list entry starts then.
			q.Set("startTs", strconv.FormatInt(t.Add(-time.Hour).UnixMilli(), 10))
			q.Set("endTs", strconv.FormatInt(t.Add(15*time.Minute).UnixMilli(), 10))
		}
		link = base + "?" + q.Encode()
	}
	if len(link) > maxLinkURL {
		// An absurd room id: the app's dashboard is still worth a click.
		link = base + "?" + url.Values{"sdkAppId": {e.App}}.Encode()
	}
	return linkable(link)
}

// commID is the call's CommId when enrichment found it.
func commID(n alert.Notification) string {
	if n.Enrichment == nil {
		return ""
	}
	return n.Enrichment.CommID
}

// CommID is the call's CommId as a page shows it, "" when unknown. TRTC
// builds it from the client's room id, so it is made inline and bounded;
// renderers quote it (Slack in a code span).
func CommID(n alert.Notification) string {
	return cut(alert.Inline(commID(n)), 128)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// maxClientPart bounds each thing a client reported about itself (device
// model, OS, SDK version, network) on a page.
const maxClientPart = 64

// ClientLine is what is known of the user's client on one line, e.g.
// "Android · native SDK · SDK 11.4.0 · Pixel 7 · Android 14 · Wi-Fi": the
// terminal and user type from their room entry, the rest as
// DescribeCallDetailInfo reported it (the client's own words, made literal
// and bounded). The terminal and user type are left out when the event
// itself carries them (its fields show them); "" when nothing is known.
func ClientLine(n alert.Notification) string {
	if n.Enrichment == nil || n.Enrichment.Client == nil {
		return ""
	}
	c := n.Enrichment.Client
	var parts []string
	add := func(prefix, s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, prefix+alert.Literal(cut(s, maxClientPart)))
		}
	}
	if _, shown := n.Event.Code("terminal"); !shown || n.Aggregate {
		add("", c.Terminal)
	}
	if _, shown := n.Event.Code("user_type"); !shown || n.Aggregate {
		add("", c.UserType)
	}
	add("SDK ", c.SDKVersion)
	add("", c.Device)
	add("", c.OS)
	add("", c.Network)
	return strings.Join(parts, " · ")
}

// missingData words what a Missing.Data names.
var missingData = map[string]string{
	"call_quality": "call-quality data",
	"call_detail":  "call details",
	"room":         "room details",
	"client":       "client details",
}

// maxMissingReason bounds a reason (an error code from TRTC's API, or
// hook's own word) on a page.
const maxMissingReason = 80

// MissingLines say what enrichment could not get, one short line each, e.g.
// "call-quality data unavailable: AuthFailure", so that a page without them
// does not look complete.
func MissingLines(e *alert.Enrichment) []string {
	if e == nil {
		return nil
	}
	lines := make([]string, 0, len(e.Missing))
	for _, m := range e.Missing {
		what := missingData[m.Data]
		if what == "" {
			what = alert.Literal(cut(strings.ReplaceAll(strings.TrimSpace(m.Data), "_", " "), 40))
			if what == "" {
				what = "data"
			}
		}
		s := what + " unavailable"
		if r := alert.Literal(cut(strings.TrimSpace(m.Reason), maxMissingReason)); r != "" {
			s += ": " + r
		}
		lines = append(lines, s)
	}
	return lines
}

// cut keeps s to at most n characters, marking a cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}
