package yamlpos

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	long := "    title: \"" + strings.Repeat("x", 150) + "{{.Usr}}" + strings.Repeat("y", 50) + "\""
	tests := []struct {
		name  string
		lines []string
		pos   Pos
		want  string
	}{
		{"first column", []string{"rules: x"}, Pos{1, 1}, "  1 | rules: x\n    | ^"},
		// A tab before the column stays a tab under it, so the caret lines up.
		{"tab", []string{"\tconsole: {}"}, Pos{1, 2}, "  1 | \tconsole: {}\n    | \t^"},
		// Chinese characters are two columns wide on a terminal.
		{"wide", []string{`    title: "房间 {{.Usr}}"`}, Pos{1, 18}, "  1 |     title: \"房间 {{.Usr}}\"\n    |                    ^"},
		{"past the end", []string{"key:"}, Pos{1, 9}, "  1 | key:\n    |     ^"},
		{"no such line", []string{"a"}, Pos{3, 1}, ""},
		{"long line", []string{long}, Pos{1, 163},
			"  1 | …" + long[112:212] + "…\n    |  " + strings.Repeat(" ", 50) + "^"},
	}
	for _, tt := range tests {
		if got := quote(tt.lines, tt.pos); got != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, got, tt.want)
		}
	}
}
