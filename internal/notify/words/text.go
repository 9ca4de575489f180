package words

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hookdev/hook/internal/alert"
)

// TextOption changes how RenderText writes a page.
type TextOption func(*textOptions)

type textOptions struct {
	trtcConsole string // base of the TRTC console link; "": DefaultTRTCConsole
}

// WithTRTCConsole links pages to the TRTC console at base (the Monitoring
// Dashboard's address, e.g. https://console.trtc.io/monitor for the
// international site) instead of DefaultTRTCConsole.
func WithTRTCConsole(base string) TextOption {
	return func(o *textOptions) { o.trtcConsole = base }
}

// RenderText is the plain-text face of a page for the console: the same facts
// as the Slack message, one per line, with control characters neutralised so
// a crafted user id cannot forge lines or drive the terminal.
func RenderText(n alert.Notification, opts ...TextOption) string {
	if n.Kind == alert.KindDigest {
		return renderDigestText(n)
	}
	if n.Kind == alert.KindFollowUp {
		return renderFollowUpText(n)
	}
	var o textOptions
	for _, opt := range opts {
		opt(&o)
	}
	var b strings.Builder
	b.WriteString("[" + SeverityWord(n) + "] " + Clean(Title(n)) + "\n")
	if text := Text(n); text != "" {
		for _, line := range strings.Split(text, "\n") {
			b.WriteString("  " + Clean(line) + "\n")
		}
	}
	if why := WhyNow(n); why != "" {
		b.WriteString("  why now: " + Clean(why) + "\n")
	}
	fields := Fields(n)
	width := 0
	for _, f := range fields {
		width = max(width, utf8.RuneCountInString(Clean(f.Name)))
	}
	for _, f := range fields {
		name := Clean(f.Name)
		fmt.Fprintf(&b, "  %s:%s %s\n", name, strings.Repeat(" ", width-utf8.RuneCountInString(name)), Clean(f.Value))
	}
	for _, c := range CodeLines(n) {
		b.WriteString("  code " + Clean(CodeLine(c, func(s string) string { return s })) + "\n")
	}
	for _, line := range Saw(n.Enrichment) {
		b.WriteString("  saw: " + Clean(line) + "\n")
	}
	for _, line := range MissingLines(n.Enrichment) {
		b.WriteString("  missing: " + Clean(line) + "\n")
	}
	if ShowsRunbook(n) {
		rb := strings.TrimSpace(RunbookText(n.Runbook) + " " + RunbookURL(n.Runbook))
		b.WriteString("  runbook: " + Clean(rb) + "\n")
	}
	if link := ConsoleURL(n, o.trtcConsole); link != "" {
		line := "  trtc console: " + link
		if id := CommID(n); id != "" {
			line += " (CommId " + Clean(id) + ")"
		}
		b.WriteString(line + "\n")
	}
	var meta []string
	if n.Rule != "" {
		meta = append(meta, "rule "+Clean(n.Rule))
	}
	if n.Count > 1 {
		meta = append(meta, strconv.Itoa(n.Count)+" events")
	}
	if t := n.Time(); !t.IsZero() {
		meta = append(meta, "at "+Timestamp(t))
	}
	if n.Incident != "" {
		meta = append(meta, "incident "+Clean(n.Incident))
	}
	if id := n.PageID(); id != "" {
		meta = append(meta, "page "+Clean(id))
	}
	if len(meta) > 0 {
		b.WriteString("  " + strings.Join(meta, " · ") + "\n")
	}
	if len(n.Receiver.Mentions) > 0 {
		b.WriteString("  notify " + Clean(strings.Join(n.Receiver.Mentions, " ")) + "\n")
	}
	if n.Note != "" {
		b.WriteString("  note: " + Clean(n.Note) + "\n")
	}
	return b.String()
}

// Clean replaces control characters for terminal output.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
