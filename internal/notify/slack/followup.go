package slack

import (
	"context"
	"strings"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// renderFollowUp draws a follow-up (alert.KindFollowUp): a quiet reply in the
// page's thread, with what TRTC reported once its data had landed.
func renderFollowUp(n alert.Notification) Message {
	title := "*" + EscapeMrkdwn(alert.SingleLine(words.FollowUpTitle(n))) + "*"
	lines := words.FollowUpLines(n)
	body := make([]string, 0, len(lines))
	for _, l := range lines {
		body = append(body, "• "+EscapeMrkdwn(l))
	}
	blocks := []goslack.Block{
		goslack.NewSectionBlock(mrkdwn(fitMrkdwn(title, maxSectionText)), nil, nil),
		goslack.NewSectionBlock(mrkdwn(fitMrkdwn(strings.Join(body, "\n"), maxSectionText)), nil, nil),
		goslack.NewContextBlock("", contextText("Follows page "+CodeSpan(words.FollowedPage(n)))),
	}
	text := "[FOLLOW-UP] " + EscapeMrkdwn(words.Title(n))
	if where := words.Where(n); where != "" {
		text += " — " + EscapeMrkdwn(where)
	}
	return Message{Blocks: blocks, Text: fitMrkdwn(text, maxFallbackChars)}
}

// sendFollowUp posts a follow-up as a reply in its incident's thread. It
// never opens a thread (a follow-up is not a page: the incident's next page
// must not reply under it) nor edits the parent (which shows the latest
// page); with no thread to reply in, it is posted on its own.
func (s *API) sendFollowUp(ctx context.Context, p alert.Notification) (bool, error) {
	m := renderFollowUp(p)
	opts := []goslack.MsgOption{
		goslack.MsgOptionBlocks(m.Blocks...),
		goslack.MsgOptionText(m.Text, false),
		goslack.MsgOptionDisableLinkUnfurl(),
	}
	channel := p.Receiver.Channel
	if key := s.threadKey(p); key != "" {
		ts, ch, ok, err := s.threads.Thread(ctx, key)
		switch {
		case err != nil:
			s.log.WarnContext(ctx, "slack thread lookup failed; follow-up posted unthreaded",
				"page", p.PageID(), "incident", logged(p.Incident), "err", err)
		case ok:
			channel = ch
			opts = append(opts, goslack.MsgOptionTS(ts))
		}
	}
	if _, _, err := s.client.PostMessageContext(ctx, channel, opts...); err != nil {
		return classify("chat.postMessage", err)
	}
	return false, nil
}
