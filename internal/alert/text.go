package alert

import (
	"strings"
	"unicode"
)

// Text that TRTC clients chose (user, room and task ids, error messages,
// URLs, payload values) reaches pages that on-call reads and acts on. It must
// not change how a page reads: no forged lines, no bold "RESOLVED", no quote
// block, no code span closed early. Pages quote such values in code spans
// (`u42`), so the functions below are written for that convention; every
// renderer (console, Slack) builds on them, and so do rule templates.

// replacement stands for a character a page must not show as itself.
const replacement = '\uFFFD'

// Inline makes client text safe to place inside one line of a page, inside
// or outside a code span: line breaks (\n, \r, U+0085, U+2028, U+2029) and
// other control characters, and the bidirectional overrides that reorder
// what a reader sees, become U+FFFD; a backtick, which would close the code
// span around the value, becomes '; a leading '>', which starts a quote
// block when the value starts a line, becomes '›'. Ordinary ids pass
// unchanged, so they can still be copied and searched for.
func Inline(s string) string {
	if isInline(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	leading := true
	for _, r := range s {
		switch {
		case unsafeRune(r):
			r = replacement
		case r == '`':
			r = '\''
		case r == '>' && leading:
			r = '›'
		}
		if !unicode.IsSpace(r) {
			leading = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isInline reports whether Inline would return s unchanged (the common case,
// checked without allocating).
func isInline(s string) bool {
	leading := true
	for _, r := range s {
		if unsafeRune(r) || r == '`' || r == '>' && leading {
			return false
		}
		if !unicode.IsSpace(r) {
			leading = false
		}
	}
	return true
}

// unsafeRune is a character that can break a line or reorder text.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}

// Quoted is client text as a code span: "`" + Inline(s) + "`". In a code
// span Slack reads no markup, so * _ ~ > show as themselves.
func Quoted(s string) string { return "`" + Inline(s) + "`" }

// Literal is client text placed where markup is read (a field's value, the
// "error ..." part of a sentence): Inline(s), and, when it holds something
// mrkdwn could read as markup (*bold*, _italic_, ~strike~, an :emoji:
// code), that as a code span. Plain ids and messages ("u42",
// "user_85034614", "upload failed") stay as they are.
func Literal(s string) string {
	s = Inline(s)
	if hasMarkup(s) || hasEmojiCode(s) {
		return "`" + s + "`"
	}
	return s
}

// Inert is client text that may land anywhere in the operator's words (a
// rule's title or text template interpolates it, inside the operator's
// backticks or not): Inline(s), with every emphasis marker that Slack could
// read (see hasMarkup) and every :emoji: code's colons replaced by a
// lookalike (∗ ＿ ∼ ∶). Ordinary ids pass unchanged; a hostile one stays
// readable but cannot bold, italicise, strike or draw.
func Inert(s string) string {
	s = Inline(s)
	if !hasMarkup(s) && !hasEmojiCode(s) {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		if (r == '*' || r == '_' || r == '~') && (i == 0 || i == len(rs)-1 || !wordRune(rs[i-1]) || !wordRune(rs[i+1])) {
			rs[i] = map[rune]rune{'*': '∗', '_': '＿', '~': '∼'}[r]
		}
	}
	s = string(rs)
	if hasEmojiCode(s) {
		s = strings.ReplaceAll(s, ":", "∶")
	}
	return s
}

// hasMarkup reports whether s has an emphasis marker (* _ ~) that Slack could
// read as one: next to a space, punctuation or either end. Inside a word
// ("user_85034614", "2*3") Slack reads them as text.
func hasMarkup(s string) bool {
	rs := []rune(s)
	for i, r := range rs {
		if r != '*' && r != '_' && r != '~' {
			continue
		}
		if i == 0 || i == len(rs)-1 || !wordRune(rs[i-1]) || !wordRune(rs[i+1]) {
			return true
		}
	}
	return false
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// hasEmojiCode reports whether s holds something Slack would draw as an
// emoji, e.g. ":fire:".
func hasEmojiCode(s string) bool {
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			if start >= 0 && i > start+1 {
				return true
			}
			start = i
		case start >= 0 && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-'):
		default:
			start = -1
		}
	}
	return false
}

// SingleLine is text of hook's or the operator's (a title, a note) as one
// line: surrounding space trimmed, line breaks as spaces, and any other
// control character as U+FFFD. Unlike Inline it keeps backticks, which the
// operator may have written on purpose.
func SingleLine(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			return ' '
		case unsafeRune(r):
			return replacement
		}
		return r
	}, s)
}
