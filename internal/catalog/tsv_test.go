package catalog

import (
	"strings"
	"testing"
)

// TestParseTSVRejectsCorruption pins the checks that let New promise corrupt data fails
// loudly rather than decoding wrongly.
func TestParseTSVRejectsCorruption(t *testing.T) {
	tests := []struct {
		name, raw, err string
	}{
		{"ok", "# comment\na\tb\n1\tx\n\n2\ty\n", ""},
		{"no header", "# only a comment\n", "no header"},
		{"wrong header", "a\tc\n1\tx\n", "header"},
		{"missing column", "a\tb\n1\n", "1 fields, want 2"},
		{"extra column", "a\tb\n1\tx\ty\n", "3 fields, want 2"},
		{"empty field", "a\tb\n1\t\n", "empty or padded"},
		{"padded field", "a\tb\n1\t x\n", "empty or padded"},
	}
	for _, tt := range tests {
		records, err := parseTSV("test.tsv", []byte(tt.raw), "a", "b")
		switch {
		case tt.err == "" && (err != nil || len(records) != 2 || records[1].line != 5):
			t.Errorf("%s: %v, %+v", tt.name, err, records)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
		}
	}
	r := tsvRecord{line: 3, fields: []string{"x"}}
	if _, err := r.int("test.tsv", 0); err == nil || !strings.Contains(err.Error(), "test.tsv:3") {
		t.Errorf("int error %v", err)
	}
}
