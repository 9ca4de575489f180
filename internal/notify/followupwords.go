package notify

import (
	"strings"

	"github.com/hookdev/hook/internal/alert"
)

// The words of a follow-up (alert.KindFollowUp): what TRTC reported about the
// call once its data had landed, posted in the page's thread. Every renderer
// (console, Block Kit, webhook) draws these.

// FollowUpTitle is a follow-up's headline: the page's own title, marked.
func FollowUpTitle(n alert.Notification) string { return "Follow-up: " + Title(n) }

// FollowedPage is the id of the page a follow-up follows.
func FollowedPage(n alert.Notification) string { return strings.TrimSuffix(n.PageID(), "-followup") }

// FollowUpLines are a follow-up's body, one fact a line: the call, the
// client, what the client saw, what could not be had; one line saying so
// when TRTC had nothing.
func FollowUpLines(n alert.Notification) []string {
	e := n.Enrichment
	var lines []string
	if e != nil && e.CommID != "" {
		lines = append(lines, "Call (CommId): "+alert.Literal(e.CommID))
	}
	if c := ClientLine(e); c != "" {
		lines = append(lines, "Client: "+c)
	}
	lines = append(lines, Saw(e)...)
	lines = append(lines, MissingLines(e)...)
	if len(lines) == 0 {
		lines = append(lines, "TRTC reported nothing more about this call.")
	}
	return lines
}

// ClientLine is what is known of the user's client on one line, e.g.
// "Android · Native SDK · SDK 11.5.0.0 · rtt max 850 ms, audio loss max 35%";
// "" when nothing is.
func ClientLine(e *alert.Enrichment) string {
	if e == nil || e.Client == nil {
		return ""
	}
	c := e.Client
	var parts []string
	add := func(prefix, v string) {
		if v != "" {
			parts = append(parts, prefix+v)
		}
	}
	add("", c.Terminal) // the catalogue's words
	add("", c.UserType)
	add("SDK ", alert.Literal(c.SDKVersion)) // as TRTC reported the client
	add("device ", alert.Literal(c.Device))
	add("OS ", alert.Literal(c.OS))
	add("", c.Network) // hook's summary of TRTC's numbers
	return strings.Join(parts, " · ")
}

// missingData names what a Missing says is missing.
var missingData = map[string]string{
	"call_quality": "call-quality data",
	"call_detail":  "call details",
	"room":         "the call's id",
	"client":       "the user's room entry",
}

// MissingLines are the data the enrichment lacks, one line each, e.g.
// "call-quality data unavailable: AuthFailure".
func MissingLines(e *alert.Enrichment) []string {
	if e == nil {
		return nil
	}
	lines := make([]string, 0, len(e.Missing))
	for _, m := range e.Missing {
		what := missingData[m.Data]
		if what == "" {
			what = alert.Inline(m.Data)
		}
		lines = append(lines, what+" unavailable: "+alert.Inline(m.Reason))
	}
	return lines
}

// renderFollowUpText is the console's face of a follow-up.
func renderFollowUpText(n alert.Notification) string {
	var b strings.Builder
	b.WriteString("[FOLLOW-UP] " + Clean(Title(n)) + "\n")
	for _, l := range FollowUpLines(n) {
		b.WriteString("  " + Clean(l) + "\n")
	}
	meta := []string{"follows page " + Clean(FollowedPage(n))}
	if n.Incident != "" {
		meta = append(meta, "incident "+Clean(n.Incident))
	}
	b.WriteString("  " + strings.Join(meta, " · ") + "\n")
	return b.String()
}
