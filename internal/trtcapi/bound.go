package trtcapi

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// What TRTC answers quotes what clients sent (user ids, messages): it is
// bounded before it reaches a log line or a page.

// Bound keeps s to max runes, replacing control characters (newlines included)
// with spaces and marking a cut with "…". Invalid UTF-8 becomes U+FFFD.
func Bound(s string, max int) string {
	clean := true
	n := 0
	for _, r := range s {
		n++
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
		}
	}
	if clean && n <= max {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max*utf8.UTFMax))
	i := 0
	for _, r := range s {
		if i == max-1 && n > max {
			b.WriteRune('…')
			break
		}
		if unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}
