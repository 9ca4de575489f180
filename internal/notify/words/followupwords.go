package words

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
	if c := ClientLine(n); c != "" {
		lines = append(lines, "Client: "+c)
	}
	lines = append(lines, Saw(e)...)
	lines = append(lines, MissingLines(e)...)
	if len(lines) == 0 {
		lines = append(lines, "TRTC reported nothing more about this call.")
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
