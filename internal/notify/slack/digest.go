package slack

import (
	"context"
	"fmt"
	"strings"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// maxExampleChars cuts one example line of a digest: a page's whole story
// belongs to the page, the digest only shows which it was.
const maxExampleChars = 300

// maxRuleChars cuts a rule's name in a digest, so ten of them and the line
// summing up the rest fit one section.
const maxRuleChars = 100

// renderDigest draws a flood digest: headline with the count, what it is,
// the counts as fields, the pages per rule, the first pages, and the
// digest's id and time. Mentions go in front of the text of its first
// message only (the dispatcher leaves them out of refreshes).
func renderDigest(n alert.Notification) Message {
	blocks := []goslack.Block{
		goslack.NewHeaderBlock(goslack.NewTextBlockObject(goslack.PlainTextType,
			fitPlain(severityLabel(n)+" — "+words.Title(n), maxHeaderChars), true, false)),
	}
	var text strings.Builder
	for _, m := range n.Receiver.Mentions {
		text.WriteString(mentionToken(m) + " ")
	}
	// hook's own words; the one value in them (the digest id) is quoted.
	text.WriteString(words.DigestText(n, codeSpan))
	if s := strings.TrimSpace(text.String()); s != "" {
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(fitMrkdwn(s, maxSectionText)), nil, nil))
	}
	blocks = append(blocks, fieldSections(words.DigestFields(n))...)
	ruleName := func(r string) string { return codeSpan(fitPlain(r, maxRuleChars)) }
	if lines := words.DigestRuleLines(n, ruleName); len(lines) > 0 {
		blocks = append(blocks, listSection("By rule", lines))
	}
	if lines := words.DigestExampleLines(n); len(lines) > 0 {
		// Examples carry text from TRTC clients (rooms, users, tasks): inside
		// a code span no markup, mention or link in it takes effect.
		for i, l := range lines {
			lines[i] = codeSpan(fitPlain(oneLine(l), maxExampleChars))
		}
		blocks = append(blocks, listSection("First pages", lines))
	}
	ctx := []goslack.MixedElement{contextText("Digest " + codeSpan(n.ID))}
	if d := n.Digest; d != nil && !d.Until.IsZero() {
		ctx = append(ctx, contextText(fmt.Sprintf("Latest page <!date^%d^{date_short_pretty} {time_secs}|%s>", d.Until.Unix(), words.Timestamp(d.Until))))
	}
	if n.Note != "" {
		ctx = append(ctx, contextText(EscapeMrkdwn(n.Note)))
	}
	blocks = append(blocks, goslack.NewContextBlock("", ctx...))
	return Message{Blocks: blocks, Text: fitMrkdwn("["+words.SeverityWord(n)+"] "+EscapeMrkdwn(words.Title(n)), maxFallbackChars)}
}

// listSection is a bold heading and a bullet per line, cut to Slack's limit.
func listSection(heading string, lines []string) goslack.Block {
	s := "*" + heading + "*\n• " + strings.Join(lines, "\n• ")
	return goslack.NewSectionBlock(mrkdwn(fitMrkdwn(s, maxSectionText)), nil, nil)
}

// codeSpan quotes s as inline code, escaped so nothing in it ends the span.
func codeSpan(s string) string { return "`" + escapeCode(s) + "`" }

// oneLine folds line breaks and other control characters into spaces, so a
// value cannot start a line of its own.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029' }), " ")
}

// PostEditable implements notify.Editor: it posts n on its own, never in a
// thread, and returns "channel/ts" for Edit.
func (s *API) PostEditable(ctx context.Context, n alert.Notification) (string, bool, error) {
	m := Render(n)
	ch, ts, err := s.client.PostMessageContext(ctx, n.Receiver.Channel,
		goslack.MsgOptionBlocks(m.Blocks...), goslack.MsgOptionText(m.Text, false), goslack.MsgOptionDisableLinkUnfurl())
	if err != nil {
		retry, err := classify("chat.postMessage", err)
		return "", retry, err
	}
	return ch + "/" + ts, false, nil
}

// Edit implements notify.Editor: chat.update of a message PostEditable posted.
// An edit does not notify anyone, which is what a refresh wants.
func (s *API) Edit(ctx context.Context, ref string, n alert.Notification) (bool, error) {
	ch, ts, ok := strings.Cut(ref, "/")
	if !ok || ch == "" || ts == "" {
		return false, fmt.Errorf("slack: %q is not a message reference (channel/ts)", ref)
	}
	m := Render(n)
	_, _, _, err := s.client.UpdateMessageContext(ctx, ch, ts, goslack.MsgOptionBlocks(m.Blocks...), goslack.MsgOptionText(m.Text, false))
	return classify("chat.update", err)
}
