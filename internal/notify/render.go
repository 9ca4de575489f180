package notify

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's documented Block Kit limits. Exceeding any of them makes Slack reject
// the whole message with invalid_blocks, which is permanent: the page would go
// to the dead letters, so we truncate rather than risk it.
const (
	maxHeaderChars    = 150
	maxSectionChars   = 3000
	maxFieldChars     = 2000
	maxFieldsPerBlock = 10
	// maxFields keeps the message well under Slack's 50-block ceiling even
	// with the header, text, codes and context blocks around the fields.
	maxFields       = 40
	maxFallbackChar = 3000
)

// Message is a page's face on Slack: the Block Kit blocks and the fallback text
// shown in notifications and by clients that cannot draw blocks. Both senders
// (Web API and webhook) post exactly this, so a page looks the same either way.
type Message struct {
	Blocks []slack.Block `json:"blocks"`
	Text   string        `json:"text"`
}

// RenderSlack builds the Block Kit message for p, mentions included.
func RenderSlack(p Page, opts ...RenderOption) Message {
	var o renderOptions
	for _, opt := range opts {
		opt(&o)
	}
	blocks := renderBlocks(p, p.Receiver.Mentions, EscapeMrkdwn(p.Note))
	if o.buttons {
		blocks = append(blocks, actionBlock(p, false)...)
	}
	return Message{Blocks: blocks, Text: FallbackText(p)}
}

// renderBlocks draws the page. mentions go in front of the text; note, when
// set, is an extra context line (the thread summary on an edited parent).
func renderBlocks(p Page, mentions []string, note string) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType,
			truncate(severityLabel(p)+" — "+title(p), maxHeaderChars), true, false)),
	}

	if text := sectionText(p, mentions); text != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	blocks = append(blocks, fieldSections(p.Fields)...)

	if len(p.Codes) > 0 {
		lines := make([]string, 0, len(p.Codes)+1)
		lines = append(lines, "*Codes*")
		for _, c := range p.Codes {
			lines = append(lines, "• "+codeLine(c, true))
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(truncate(strings.Join(lines, "\n"), maxSectionChars)), nil, nil))
	}

	ctx := []slack.MixedElement{}
	if p.Rule != "" {
		ctx = append(ctx, mrkdwn("Rule `"+escapeCode(p.Rule)+"`"))
	}
	if p.Count > 1 {
		ctx = append(ctx, mrkdwn(strconv.Itoa(p.Count)+" events"))
	}
	if t := pageTime(p); !t.IsZero() {
		// Slack renders <!date^…> in the reader's timezone and relative
		// ("Today at …"); the part after | is what clients that cannot are shown.
		ctx = append(ctx, mrkdwn(fmt.Sprintf("<!date^%d^{date_short_pretty} {time_secs}|%s>",
			t.Unix(), t.UTC().Format("2006-01-02 15:04:05 UTC"))))
	}
	if p.Incident != "" {
		ctx = append(ctx, mrkdwn("Incident `"+escapeCode(p.Incident)+"`"))
	}
	if p.ID != "" {
		// The page ID lets a human tell a redelivered duplicate from a new page.
		ctx = append(ctx, mrkdwn("Page `"+escapeCode(p.ID)+"`"))
	}
	if note != "" {
		ctx = append(ctx, mrkdwn(note))
	}
	if len(ctx) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", ctx...))
	}
	return blocks
}

// sectionText is the mentions followed by the rule's text. Mentions come from
// the configuration and are the only markup we let through unescaped.
func sectionText(p Page, mentions []string) string {
	var b strings.Builder
	for _, m := range mentions {
		b.WriteString(mentionToken(m))
		b.WriteByte(' ')
	}
	b.WriteString(EscapeMrkdwn(p.Text))
	return truncate(strings.TrimSpace(b.String()), maxSectionChars)
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
func fieldSections(fields []Field) []slack.Block {
	if len(fields) == 0 {
		return nil
	}
	omitted := 0
	if len(fields) > maxFields {
		omitted = len(fields) - (maxFields - 1)
		fields = fields[:maxFields-1]
	}
	objs := make([]*slack.TextBlockObject, 0, len(fields)+1)
	for _, f := range fields {
		objs = append(objs, mrkdwn(truncate("*"+EscapeMrkdwn(f.Name)+"*\n"+EscapeMrkdwn(f.Value), maxFieldChars)))
	}
	if omitted > 0 {
		objs = append(objs, mrkdwn(fmt.Sprintf("_%d more fields not shown_", omitted)))
	}
	var blocks []slack.Block
	for len(objs) > 0 {
		n := min(len(objs), maxFieldsPerBlock)
		blocks = append(blocks, slack.NewSectionBlock(nil, objs[:n], nil))
		objs = objs[n:]
	}
	return blocks
}

// FallbackText is the one line shown in notifications and on the lock screen:
// severity, title and where it happened, e.g.
// "[CRITICAL] User left room by timeout — app 1400000001 room 8489 user u42".
// It is mrkdwn, so user-controlled parts are escaped.
func FallbackText(p Page) string {
	s := "[" + severityWord(p) + "] " + EscapeMrkdwn(title(p))
	if where := whereText(p); where != "" {
		s += " — " + EscapeMrkdwn(where)
	}
	if p.Count > 1 {
		s += " (" + strconv.Itoa(p.Count) + " events)"
	}
	return truncate(s, maxFallbackChar)
}

// whereText is "app X room Y user Z" from the fields that locate an event.
func whereText(p Page) string {
	var parts []string
	for _, name := range []string{"app", "room", "user"} {
		for _, f := range p.Fields {
			if strings.EqualFold(f.Name, name) && f.Value != "" {
				parts = append(parts, name+" "+f.Value)
				break
			}
		}
	}
	return strings.Join(parts, " ")
}

// RenderText is the plain-text face of a page for the console: the same facts
// as the Slack message, one per line, with control characters neutralised so
// a crafted user id cannot forge lines or drive the terminal.
func RenderText(p Page) string {
	var b strings.Builder
	b.WriteString("[" + severityWord(p) + "] " + clean(title(p)) + "\n")
	if p.Text != "" {
		for _, line := range strings.Split(p.Text, "\n") {
			b.WriteString("  " + clean(line) + "\n")
		}
	}
	width := 0
	for _, f := range p.Fields {
		width = max(width, utf8.RuneCountInString(clean(f.Name)))
	}
	for _, f := range p.Fields {
		name := clean(f.Name)
		fmt.Fprintf(&b, "  %s:%s %s\n", name, strings.Repeat(" ", width-utf8.RuneCountInString(name)), clean(f.Value))
	}
	for _, c := range p.Codes {
		b.WriteString("  code " + clean(codeLine(c, false)) + "\n")
	}
	var meta []string
	if p.Rule != "" {
		meta = append(meta, "rule "+clean(p.Rule))
	}
	if p.Count > 1 {
		meta = append(meta, strconv.Itoa(p.Count)+" events")
	}
	if t := pageTime(p); !t.IsZero() {
		meta = append(meta, "at "+t.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if p.Incident != "" {
		meta = append(meta, "incident "+clean(p.Incident))
	}
	if p.ID != "" {
		meta = append(meta, "page "+clean(p.ID))
	}
	if len(meta) > 0 {
		b.WriteString("  " + strings.Join(meta, " · ") + "\n")
	}
	if len(p.Receiver.Mentions) > 0 {
		b.WriteString("  notify " + clean(strings.Join(p.Receiver.Mentions, " ")) + "\n")
	}
	if p.Note != "" {
		b.WriteString("  note: " + clean(p.Note) + "\n")
	}
	return b.String()
}

// codeLine is "reason 2 `reason.timeout`: Timeout" (backticks only for Slack).
func codeLine(c Code, markup bool) string {
	name := c.Name
	field := c.Field
	meaning := c.Meaning
	if markup {
		field, meaning = EscapeMrkdwn(field), EscapeMrkdwn(meaning)
		if name != "" {
			name = "`" + escapeCode(name) + "`"
		}
	}
	s := strings.TrimSpace(field + " " + strconv.Itoa(c.Value))
	if name != "" {
		s += " " + name
	}
	if meaning != "" {
		s += ": " + meaning
	}
	return s
}

func severityWord(p Page) string {
	if p.Kind == KindResolved {
		return "RESOLVED"
	}
	if p.Severity == "" {
		return "ALERT"
	}
	return strings.ToUpper(string(p.Severity))
}

// severityLabel is the emoji and word at the head of a page.
func severityLabel(p Page) string {
	icon := ":bell:"
	switch {
	case p.Kind == KindResolved:
		icon = ":white_check_mark:"
	case p.Severity == SeverityCritical:
		icon = ":rotating_light:"
	case p.Severity == SeverityWarning:
		icon = ":warning:"
	case p.Severity == SeverityInfo:
		icon = ":information_source:"
	}
	return icon + " " + severityWord(p)
}

// title never returns "": Slack rejects a header block with empty text.
func title(p Page) string {
	switch {
	case strings.TrimSpace(p.Title) != "":
		return p.Title
	case p.Rule != "":
		return p.Rule
	default:
		return "page"
	}
}

// pageTime is when the event happened, or failing that when the page was made.
func pageTime(p Page) time.Time {
	if !p.EventTime.IsZero() {
		return p.EventTime
	}
	return p.CreatedAt
}

func mrkdwn(s string) *slack.TextBlockObject {
	// verbatim stops Slack from turning bare URLs and #channel names in user
	// data into links; explicit <…> mention tokens we emit still work.
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
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

// escapeCode escapes text placed inside backticks: a backtick would close the
// code span early and let the rest be read as markup.
func escapeCode(s string) string {
	return strings.ReplaceAll(EscapeMrkdwn(s), "`", "'")
}

// clean replaces control characters for terminal output.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
