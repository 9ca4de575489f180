package words

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hookdev/hook/internal/alert"
)

// renderDigestText is the console's face of a flood digest: headline, what
// it is, its counts, its rules and its first pages.
func renderDigestText(n alert.Notification) string {
	var b strings.Builder
	b.WriteString("[" + SeverityWord(n) + "] " + Clean(Title(n)) + "\n")
	if text := DigestText(n, func(s string) string { return s }); text != "" {
		b.WriteString("  " + Clean(text) + "\n")
	}
	fields := DigestFields(n)
	width := 0
	for _, f := range fields {
		width = max(width, utf8.RuneCountInString(f.Name))
	}
	for _, f := range fields {
		fmt.Fprintf(&b, "  %s:%s %s\n", f.Name, strings.Repeat(" ", width-utf8.RuneCountInString(f.Name)), Clean(f.Value))
	}
	for _, line := range DigestRuleLines(n, func(s string) string { return s }) {
		b.WriteString("  rule " + Clean(line) + "\n")
	}
	for _, line := range DigestExampleLines(n) {
		b.WriteString("  e.g. " + Clean(line) + "\n")
	}
	meta := []string{"digest " + Clean(n.ID)}
	if len(n.Receiver.Mentions) > 0 {
		meta = append(meta, "notify "+Clean(strings.Join(n.Receiver.Mentions, " ")))
	}
	b.WriteString("  " + strings.Join(meta, " · ") + "\n")
	if n.Note != "" {
		b.WriteString("  note: " + Clean(n.Note) + "\n")
	}
	return b.String()
}
