package slack

import "strings"

// Slack's documented Block Kit limits. Exceeding any of them makes Slack
// reject the whole message with invalid_blocks, which is permanent: the page
// would go to the dead letters, so every text is cut to fit instead.
//
// Slack measures in characters without saying which; JavaScript, which it
// runs on, counts UTF-16 code units, and an emoji outside the Basic
// Multilingual Plane is two of them. We count UTF-16 units (textLen), which is
// never fewer than the code points, so a text that fits by our count fits by
// either. Limits apply to the text Slack receives: after escaping, so a room
// id of 750 '<' is 3,000 characters ("&lt;" each), not 750.
const (
	maxHeaderChars = 150  // header block: plain_text
	maxSectionText = 3000 // section block: text
	maxFieldChars  = 2000 // section block: each of fields
	maxFieldsPer   = 10   // section block: fields
	// Context block: at most 10 elements (Slack's context block reference).
	// A text object may hold 3000 characters; context elements are cut at
	// 2000, the stricter figure Slack has given for them, to be safe.
	maxContextElems = 10
	maxContextChars = 2000
	maxButtonText   = 75
	maxButtonValue  = 2000
	maxActionID     = 255
	maxBlockID      = 255
	maxBlocks       = 50 // per message
	// maxFallbackChars caps the message's text (Slack truncates past 40,000;
	// a notification line needs far less).
	maxFallbackChars = 3000
	// maxFields keeps a page's facts to four field sections: with the
	// header, text, codes, context and buttons a page stays near ten blocks.
	maxFields = 40
)

// ellipsis marks a cut.
const ellipsis = "…"

// textLen is the length of s as Slack may count it: UTF-16 code units.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += runeLen(r)
	}
	return n
}

func runeLen(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// fitPlain cuts plain text (no markup, no entities) to at most max units,
// marking the cut with an ellipsis.
func fitPlain(s string, max int) string {
	if textLen(s) <= max {
		return s
	}
	budget, n := max-1, 0
	for i, r := range s {
		if n+runeLen(r) > budget {
			return s[:i] + ellipsis
		}
		n += runeLen(r)
	}
	return s
}

// fitMrkdwn cuts escaped mrkdwn to at most max units without breaking what
// Slack parses: never inside an entity ("&lt;") or a <…> token (a mention,
// a date), and a code span left open by the cut is closed after the
// ellipsis, so the rest of the page is not read as code.
func fitMrkdwn(s string, max int) string {
	if textLen(s) <= max {
		return s
	}
	budget, n := max-2, 0 // room for the ellipsis and a closing backtick
	cut, entity, token := len(s), -1, -1
	for i, r := range s {
		if n+runeLen(r) > budget {
			cut = i
			break
		}
		n += runeLen(r)
		switch r {
		case '&':
			entity = i
		case ';':
			entity = -1
		case '<':
			token = i
		case '>':
			token = -1
		}
	}
	for _, open := range []int{entity, token} {
		if open >= 0 && open < cut {
			cut = open
		}
	}
	kept := s[:cut]
	if strings.Count(kept, "`")%2 == 1 {
		return kept + ellipsis + "`"
	}
	return kept + ellipsis
}
