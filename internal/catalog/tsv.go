package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// tsvRecord is one data line of an embedded table, with its line number for errors.
type tsvRecord struct {
	line   int
	fields []string
}

// readTSV reads an embedded data file: '#' lines are comments, the first other line is
// a header that must equal header, and every following line must have as many
// tab-separated fields. Being strict here is what lets New promise that a corrupt table
// fails loudly instead of decoding wrongly.
func readTSV(name string, header ...string) ([]tsvRecord, error) {
	raw, err := data.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return parseTSV(name, raw, header...)
}

func parseTSV(name string, raw []byte, header ...string) ([]tsvRecord, error) {
	var records []tsvRecord
	sawHeader := false
	for i, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if !sawHeader {
			if strings.Join(fields, "\t") != strings.Join(header, "\t") {
				return nil, fmt.Errorf("%s:%d: header %q, want %q", name, i+1, line, strings.Join(header, "\t"))
			}
			sawHeader = true
			continue
		}
		if len(fields) != len(header) {
			return nil, fmt.Errorf("%s:%d: %d fields, want %d", name, i+1, len(fields), len(header))
		}
		for j, f := range fields {
			if f == "" || strings.TrimSpace(f) != f {
				return nil, fmt.Errorf("%s:%d: field %s is empty or padded", name, i+1, header[j])
			}
		}
		records = append(records, tsvRecord{line: i + 1, fields: fields})
	}
	if !sawHeader {
		return nil, fmt.Errorf("%s: no header line", name)
	}
	return records, nil
}

func (r tsvRecord) int(name string, col int) (int, error) {
	n, err := strconv.Atoi(r.fields[col])
	if err != nil {
		return 0, r.errorf(name, "column %d: %w", col+1, err)
	}
	return n, nil
}

func (r tsvRecord) errorf(name, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %w", name, r.line, fmt.Errorf(format, args...))
}
