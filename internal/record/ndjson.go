package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The admin API streams the record as newline-delimited JSON, one callback
// a line, then one last line that says the stream is whole:
//
//	{"at":"2026-03-01T12:00:00.123Z","app":"1400000001","body":{"EventGroupId":1,...}}
//	{"end":true,"callbacks":1}
//
// or, when reading failed part way, {"error":"..."} instead: a stream
// without its last line was cut, and a reader must not take it for the
// whole period.

// timeLayout is the arrival time on the wire: UTC, to the millisecond.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendLine appends e as one line of the stream. A body holding line
// breaks (JSON's whitespace) is compacted: the line is one line.
func AppendLine(b []byte, e Entry) []byte {
	b = append(b, `{"at":"`...)
	b = e.At.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","app":`...)
	b = appendString(b, e.App)
	b = append(b, `,"body":`...)
	if bytes.ContainsAny(e.Body, "\r\n") {
		var c bytes.Buffer
		if err := json.Compact(&c, e.Body); err == nil {
			b = append(b, c.Bytes()...)
		} else {
			b = appendString(b, string(e.Body)) // not JSON: never recorded, but the line stays a line
		}
	} else {
		b = append(b, e.Body...)
	}
	return append(b, "}\n"...)
}

// AppendEnd appends the last line of a whole stream of n callbacks.
func AppendEnd(b []byte, n int) []byte {
	b = append(b, `{"end":true,"callbacks":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, "}\n"...)
}

// AppendError appends the last line of a stream cut by err.
func AppendError(b []byte, err error) []byte {
	b = append(b, `{"error":`...)
	b = appendString(b, err.Error())
	return append(b, "}\n"...)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// LineReader reads the stream AppendLine and AppendEnd write.
type LineReader struct {
	sc    *bufio.Scanner
	count int
	ended bool
}

// NewLineReader reads the stream from r.
func NewLineReader(r io.Reader) *LineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxBody+4096)
	return &LineReader{sc: sc}
}

// ErrCut says a stream ended without its last line: the server stopped,
// or the connection was lost, part way.
var ErrCut = errors.New("the record stream ended early (no end line): the server stopped or the connection was cut")

// Next returns the next callback; ok is false at the end of a whole stream.
// A stream cut short, or ended by an error line, is an error.
func (r *LineReader) Next() (e Entry, ok bool, err error) {
	for r.sc.Scan() {
		line := r.sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if e, ok := parseFast(line); ok {
			r.count++
			return e, true, nil
		}
		var l struct {
			At        time.Time       `json:"at"`
			App       string          `json:"app"`
			Body      json.RawMessage `json:"body"`
			End       bool            `json:"end"`
			Callbacks int             `json:"callbacks"`
			Error     string          `json:"error"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			return Entry{}, false, fmt.Errorf("record stream line %d: %w", r.count+1, err)
		}
		switch {
		case l.Error != "":
			return Entry{}, false, fmt.Errorf("the server could not read the whole record: %s", l.Error)
		case l.End:
			if l.Callbacks != r.count {
				return Entry{}, false, fmt.Errorf("the record stream says %d callbacks, %d came", l.Callbacks, r.count)
			}
			r.ended = true
			return Entry{}, false, nil
		case len(l.Body) == 0:
			return Entry{}, false, fmt.Errorf("record stream line %d: no body", r.count+1)
		}
		r.count++
		return Entry{At: l.At.UTC(), App: l.App, Body: l.Body}, true, nil
	}
	if err := r.sc.Err(); err != nil {
		return Entry{}, false, fmt.Errorf("read the record stream: %w", err)
	}
	return Entry{}, false, ErrCut
}

// parseFast reads a line as AppendLine writes it, without a JSON decoder:
// the body is copied, not parsed. Any other shape is left to
// encoding/json.
func parseFast(line []byte) (Entry, bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"at":"`))
	if !ok || len(rest) < len(timeLayout) {
		return Entry{}, false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 {
		return Entry{}, false
	}
	at, err := time.Parse(timeLayout, string(rest[:i]))
	if err != nil {
		return Entry{}, false
	}
	rest, ok = bytes.CutPrefix(rest[i+1:], []byte(`,"app":"`))
	if !ok {
		return Entry{}, false
	}
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return Entry{}, false
	}
	app := string(rest[:j])
	body, ok := bytes.CutPrefix(rest[j+1:], []byte(`,"body":`))
	if !ok || len(body) < 3 || body[0] != '{' || body[len(body)-1] != '}' || body[len(body)-2] != '}' {
		return Entry{}, false
	}
	body = body[:len(body)-1]
	return Entry{At: at.UTC(), App: app, Body: bytes.Clone(body)}, true
}
