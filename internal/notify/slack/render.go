// Package slack delivers notifications to Slack: Block Kit messages through
// the Web API (threaded per incident, with buttons) or an incoming webhook,
// and the answers to button clicks. Every message is rendered here from the
// typed notification, with notify's words.
package slack

import (
	"fmt"
	"strconv"
	"strings"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// Message is a page's face on Slack: the Block Kit blocks and the fallback text
// shown in notifications and by clients that cannot draw blocks. Both senders
// (Web API and webhook) post exactly this, so a page looks the same either way.
type Message struct {
	Blocks []goslack.Block `json:"blocks"`
	Text   string          `json:"text"`
}

// Render builds the Block Kit message for n, mentions included.
func Render(n alert.Notification, opts ...RenderOption) Message {
	if n.Kind == alert.KindDigest {
		return renderDigest(n) // digest.go
	}
	if n.Kind == alert.KindFollowUp {
		return renderFollowUp(n) // followup.go
	}
	var o renderOptions
	for _, opt := range opts {
		opt(&o)
	}
	blocks := renderBlocks(n, n.Receiver.Mentions, EscapeMrkdwn(alert.SingleLine(n.Note)), o.trtcConsole)
	if o.buttons {
		blocks = append(blocks, actionBlock(n, false)...)
	}
	return Message{Blocks: capBlocks(blocks), Text: FallbackText(n)}
}

// renderBlocks draws the page. mentions go in front of the text; note, when
// set, is an extra context line (the thread summary on an edited parent);
// trtcConsole is the base of the TRTC console link ("": notify's default).
func renderBlocks(n alert.Notification, mentions []string, note, trtcConsole string) []goslack.Block {
	blocks := []goslack.Block{
		goslack.NewHeaderBlock(goslack.NewTextBlockObject(goslack.PlainTextType,
			fitPlain(severityLabel(n)+" — "+words.Title(n), maxHeaderChars), true, false)),
	}

	if text := sectionText(n, mentions); text != "" {
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	if next := nextText(n, trtcConsole); next != "" {
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(next), nil, nil))
	}
	blocks = append(blocks, fieldSections(words.Fields(n))...)

	// Only the codes the fields do not already say (words.CodeLines).
	if codes := words.CodeLines(n); len(codes) > 0 {
		lines := make([]string, 0, len(codes)+1)
		lines = append(lines, "*Codes*")
		for _, c := range codes {
			lines = append(lines, "• "+codeLine(c))
		}
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(fitMrkdwn(strings.Join(lines, "\n"), maxSectionText)), nil, nil))
	}

	saw, missing := words.Saw(n.Enrichment), words.MissingLines(n.Enrichment)
	if len(saw)+len(missing) > 0 {
		lines := make([]string, 0, len(saw)+len(missing)+1)
		lines = append(lines, "*What the client saw*")
		for _, l := range saw {
			lines = append(lines, "• "+EscapeMrkdwn(l))
		}
		for _, l := range missing {
			lines = append(lines, "• _"+EscapeMrkdwn(l)+"_")
		}
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(fitMrkdwn(strings.Join(lines, "\n"), maxSectionText)), nil, nil))
	}

	ctx := []goslack.MixedElement{}
	if n.Rule != "" {
		ctx = append(ctx, contextText("Rule `"+escapeCode(n.Rule)+"`"))
	}
	if n.Count > 1 {
		ctx = append(ctx, contextText(strconv.Itoa(n.Count)+" events"))
	}
	if t := n.Time(); !t.IsZero() {
		// Slack renders <!date^…> in the reader's timezone and relative
		// ("Today at …"); the part after | is what clients that cannot are shown.
		ctx = append(ctx, contextText(fmt.Sprintf("<!date^%d^{date_short_pretty} {time_secs}|%s>", t.Unix(), words.Timestamp(t))))
	}
	if n.Incident != "" {
		// app/room: a client's room id, so as long as a client made it.
		ctx = append(ctx, contextText("Incident `"+escapeCode(n.Incident)+"`"))
	}
	if id := n.PageID(); id != "" {
		// The page ID lets a human tell a redelivered duplicate from a new page.
		ctx = append(ctx, contextText("Page `"+escapeCode(id)+"`"))
	}
	if note != "" {
		ctx = append(ctx, contextText(note))
	}
	if len(ctx) > maxContextElems {
		ctx = ctx[:maxContextElems]
	}
	if len(ctx) > 0 {
		blocks = append(blocks, goslack.NewContextBlock("", ctx...))
	}
	return blocks
}

// sectionText is the mentions followed by the page's text, then the
// why-now line. Mentions come from the configuration and are the only
// markup we let through unescaped. The text gives way to the why-now line
// when the two do not fit.
func sectionText(n alert.Notification, mentions []string) string {
	var b strings.Builder
	for _, m := range mentions {
		b.WriteString(mentionToken(m))
		b.WriteByte(' ')
	}
	b.WriteString(EscapeMrkdwn(words.Text(n)))
	text := strings.TrimSpace(b.String())
	why := words.WhyNow(n)
	if why == "" {
		return fitMrkdwn(text, maxSectionText)
	}
	line := "*Why now:* " + EscapeMrkdwn(why)
	if text == "" {
		return fitMrkdwn(line, maxSectionText)
	}
	return fitMrkdwn(text, maxSectionText-textLen(line)-1) + "\n" + line
}

// nextText says what to do next and where to look: the rule's runbook (a
// link, its text, or both) and the TRTC console's call-quality view of the
// room, with the call's CommId when known. "" when there is neither.
func nextText(n alert.Notification, trtcConsole string) string {
	var lines []string
	if words.ShowsRunbook(n) {
		// The operator's words, escaped: they may not mention anyone.
		s := ":book: *Runbook:*"
		if text := words.RunbookText(n.Runbook); text != "" {
			s += " " + EscapeMrkdwn(text)
		}
		if u := words.RunbookURL(n.Runbook); u != "" {
			s += " " + link(u, linkLabel(u))
		}
		lines = append(lines, s)
	}
	if u := words.ConsoleURL(n, trtcConsole); u != "" {
		s := ":mag: " + link(u, words.ConsoleLabel)
		if id := words.CommID(n); id != "" {
			s += " · CommId " + CodeSpan(id)
		}
		lines = append(lines, s)
	}
	return fitMrkdwn(strings.Join(lines, "\n"), maxSectionText)
}

// link is a mrkdwn link to address u (notify checked it: http(s), no space,
// no < > | or backtick) labelled label.
func link(u, label string) string {
	return "<" + EscapeMrkdwn(u) + "|" + EscapeMrkdwn(label) + ">"
}

// linkLabel shows a link's address without its scheme, cut short: where it
// leads, readable at a glance.
func linkLabel(u string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return fitPlain(strings.TrimSuffix(s, "/"), 60)
}

// mentionToken passes through well-formed Slack mention tokens and escapes
// anything else, so a typo in the config shows up as text rather than as
// broken or surprising markup.
func mentionToken(m string) string {
	m = strings.TrimSpace(m)
	if len(m) > 3 && m[0] == '<' && m[len(m)-1] == '>' && strings.ContainsAny(m[1:2], "!@#") &&
		!strings.ContainsAny(m[1:len(m)-1], "<>") {
		return m
	}
	return EscapeMrkdwn(m)
}

// fieldSections lays fields out two columns wide, at most ten to a section as
// Slack requires, so long pages get several sections rather than a rejection.
func fieldSections(fields []words.Field) []goslack.Block {
	if len(fields) == 0 {
		return nil
	}
	omitted := 0
	if len(fields) > maxFields {
		omitted = len(fields) - (maxFields - 1)
		fields = fields[:maxFields-1]
	}
	objs := make([]*goslack.TextBlockObject, 0, len(fields)+1)
	for _, f := range fields {
		objs = append(objs, mrkdwn(fitMrkdwn("*"+EscapeMrkdwn(f.Name)+"*\n"+EscapeMrkdwn(f.Value), maxFieldChars)))
	}
	if omitted > 0 {
		objs = append(objs, mrkdwn(fmt.Sprintf("_%d more fields not shown_", omitted)))
	}
	var blocks []goslack.Block
	for len(objs) > 0 {
		k := min(len(objs), maxFieldsPer)
		blocks = append(blocks, goslack.NewSectionBlock(nil, objs[:k], nil))
		objs = objs[k:]
	}
	return blocks
}

// FallbackText is the one line shown in notifications and on the lock screen:
// severity, title and where it happened, e.g.
// "[CRITICAL] User left room by timeout — app 1400000001 room 8489 user u42".
// It is mrkdwn, so user-controlled parts are escaped (notify's words have
// already made them literal).
func FallbackText(n alert.Notification) string {
	s := "[" + words.SeverityWord(n) + "] " + EscapeMrkdwn(words.Title(n))
	if where := words.Where(n); where != "" {
		s += " — " + EscapeMrkdwn(where)
	}
	if n.Count > 1 {
		s += " (" + strconv.Itoa(n.Count) + " events)"
	}
	return fitMrkdwn(s, maxFallbackChars)
}

// codeLine is "reason 2 `reason.timeout`: Timeout", escaped for mrkdwn.
func codeLine(c alert.Code) string {
	c.Field, c.Meaning = EscapeMrkdwn(alert.SingleLine(c.Field)), EscapeMrkdwn(alert.SingleLine(c.Meaning))
	return words.CodeLine(c, func(s string) string { return "`" + escapeCode(s) + "`" })
}

// severityLabel is the emoji and word at the head of a page.
func severityLabel(n alert.Notification) string {
	icon := ":bell:"
	switch {
	case n.Kind == alert.KindResolved:
		icon = ":white_check_mark:"
	case n.Severity == alert.SeverityCritical:
		icon = ":rotating_light:"
	case n.Severity == alert.SeverityWarning:
		icon = ":warning:"
	case n.Severity == alert.SeverityInfo:
		icon = ":information_source:"
	}
	return icon + " " + words.SeverityWord(n)
}

func mrkdwn(s string) *goslack.TextBlockObject {
	// verbatim stops Slack from turning bare URLs and #channel names in user
	// data into links; explicit <…> mention tokens we emit still work.
	return goslack.NewTextBlockObject(goslack.MarkdownType, s, false, true)
}

// EscapeMrkdwn escapes the three characters Slack's mrkdwn treats as control
// characters, so user-controlled text such as a user id "<!channel>" is shown
// literally instead of pinging anyone.
func EscapeMrkdwn(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// CodeSpan shows s, client text perhaps, as a code span in mrkdwn: escaped,
// on one line, with no backtick to close the span early.
func CodeSpan(s string) string { return "`" + escapeCode(s) + "`" }

// contextText is a context block's text element, cut to its limit.
func contextText(s string) *goslack.TextBlockObject {
	return mrkdwn(fitMrkdwn(s, maxContextChars))
}

// escapeCode escapes text placed inside backticks: a backtick would close the
// code span early, and a line break end it, letting the rest be read as
// markup (alert.Inline).
func escapeCode(s string) string {
	return EscapeMrkdwn(alert.Inline(s))
}

// capBlocks keeps a message within Slack's 50 blocks. Pages are far from it
// (see maxFields); should one ever reach it, the blocks before the last few
// (context, buttons, a note) give way, as those say what the page is.
func capBlocks(blocks []goslack.Block) []goslack.Block {
	if len(blocks) <= maxBlocks {
		return blocks
	}
	const tail = 3
	out := append([]goslack.Block{}, blocks[:maxBlocks-tail]...)
	return append(out, blocks[len(blocks)-tail:]...)
}
