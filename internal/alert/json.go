package alert

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// The appenders below write exactly the bytes encoding/json writes for the
// same values: the store encodes a notification and its receivers for every
// alert that fires, and reflection made encoding/json a sizeable part of
// hook's CPU and allocations there. Field order, omitempty and omitzero
// follow the struct tags in notification.go; json_test.go holds the two to
// the same output, so a field added there must be added here.
//
// Every object is written with a comma before each field; objectEnd turns
// the first comma into the opening brace, so optional fields need no
// bookkeeping of which came first.

// AppendJSON appends n's JSON encoding to dst: the same bytes as
// json.Marshal(n). The error is json.Marshal's too: a time that RFC 3339
// cannot express (a year outside 0..9999), or an error of the rarely set
// Enrichment or Digest, which encoding/json still writes.
func (n Notification) AppendJSON(dst []byte) ([]byte, error) {
	return n.appendJSON(dst)
}

func (n *Notification) appendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = appendStringField(b, `,"id":`, n.ID)
	b = appendStringField(b, `,"kind":`, n.Kind)
	b = appendOptString(b, `,"rule":`, n.Rule)
	b = appendOptString(b, `,"severity":`, n.Severity)
	b = append(b, `,"event":`...)
	b, err := n.Event.appendJSON(b)
	if err != nil {
		return b, err
	}
	if n.ResolvedBy != nil {
		b = append(b, `,"resolved_by":`...)
		if b, err = n.ResolvedBy.appendJSON(b); err != nil {
			return b, err
		}
	}
	b = appendOptString(b, `,"title":`, n.Title)
	b = appendOptString(b, `,"text":`, n.Text)
	if n.Aggregate {
		b = append(b, `,"aggregate":true`...)
	}
	b = appendOptString(b, `,"member_kind":`, n.MemberKind)
	if len(n.Members) > 0 {
		b = append(b, `,"members":[`...)
		for i, m := range n.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStringField(b, `{"name":`, m.Name)
			b = appendIntField(b, `,"events":`, m.Events)
			b = appendOptString(b, `,"role":`, m.Role)
			b = appendOptString(b, `,"reason":`, m.Reason)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOptInt(b, `,"member_count":`, n.MemberCount)
	b = appendOptInt(b, `,"members_more":`, n.MembersMore)
	b = appendOptInt(b, `,"count":`, n.Count)
	b = appendOptInt(b, `,"total":`, n.Total)
	b = appendOptInt(b, `,"total_members":`, n.TotalMembers)
	b = appendOptInt(b, `,"flush":`, n.Flush)
	b = appendOptString(b, `,"dedup_key":`, n.DedupKey)
	b = appendOptString(b, `,"incident":`, n.Incident)
	b = append(b, `,"created_at":`...)
	if b, err = appendTime(b, n.CreatedAt); err != nil {
		return b, err
	}
	if !n.RetriedAt.IsZero() {
		b = append(b, `,"retried_at":`...)
		if b, err = appendTime(b, n.RetriedAt); err != nil {
			return b, err
		}
	}
	b = append(b, `,"receiver":`...)
	b = n.Receiver.AppendJSON(b)
	b = appendOptString(b, `,"note":`, n.Note)
	// Enrichment and Digest are added after the alert fired (in delivery, in
	// a flood): encoding/json is fast enough for them.
	if n.Enrichment != nil {
		if b, err = appendMarshaled(b, `,"enrichment":`, n.Enrichment); err != nil {
			return b, err
		}
	}
	if n.Digest != nil {
		if b, err = appendMarshaled(b, `,"digest":`, n.Digest); err != nil {
			return b, err
		}
	}
	if n.Runbook != nil {
		b = append(b, `,"runbook":`...)
		start := len(b)
		b = appendOptString(b, `,"url":`, n.Runbook.URL)
		b = appendOptString(b, `,"text":`, n.Runbook.Text)
		b = objectEnd(b, start)
	}
	if n.Why != nil {
		if b, err = appendMarshaled(b, `,"why":`, n.Why); err != nil {
			return b, err
		}
	}
	return objectEnd(b, start), nil
}

func (e *Event) appendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = appendOptString(b, `,"app":`, e.App)
	b = appendOptString(b, `,"room":`, e.Room)
	b = appendOptString(b, `,"room_key":`, e.RoomKey)
	b = appendOptString(b, `,"user":`, e.User)
	b = appendOptString(b, `,"task":`, e.Task)
	b = appendOptString(b, `,"scene":`, e.Scene)
	if len(e.Codes) > 0 {
		b = append(b, `,"codes":[`...)
		for i := range e.Codes {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.Codes[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	b = appendOptString(b, `,"error_code":`, e.ErrorCode)
	b = appendOptString(b, `,"error_message":`, e.ErrorMessage)
	b = appendOptString(b, `,"url":`, e.URL)
	if !e.Time.IsZero() {
		b = append(b, `,"time":`...)
		var err error
		if b, err = appendTime(b, e.Time); err != nil {
			return b, err
		}
	}
	return objectEnd(b, start), nil
}

func (c *Code) appendJSON(b []byte) []byte {
	b = appendStringField(b, `{"field":`, c.Field)
	b = appendOptString(b, `,"label":`, c.Label)
	b = appendIntField(b, `,"value":`, c.Value)
	b = appendOptString(b, `,"name":`, c.Name)
	b = appendOptString(b, `,"meaning":`, c.Meaning)
	return append(b, '}')
}

// AppendJSON appends r's JSON encoding to dst: the same bytes as
// json.Marshal(r).
func (r Receiver) AppendJSON(dst []byte) []byte {
	b := appendStringField(dst, `{"name":`, r.Name)
	b = appendStringField(b, `,"kind":`, r.Kind)
	b = appendOptString(b, `,"channel":`, r.Channel)
	if len(r.Mentions) > 0 {
		b = append(b, `,"mentions":[`...)
		for i, m := range r.Mentions {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, m)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// objectEnd closes the object whose fields were appended from start, each
// after a comma: the first comma becomes the opening brace.
func objectEnd(b []byte, start int) []byte {
	if len(b) == start {
		return append(b, "{}"...)
	}
	b[start] = '{'
	return append(b, '}')
}

func appendStringField[S ~string](b []byte, key string, s S) []byte {
	return AppendJSONString(append(b, key...), s)
}

// appendOptString appends an omitempty string field.
func appendOptString[S ~string](b []byte, key string, s S) []byte {
	if s == "" {
		return b
	}
	return appendStringField(b, key, s)
}

func appendIntField(b []byte, key string, v int) []byte {
	return strconv.AppendInt(append(b, key...), int64(v), 10)
}

// appendOptInt appends an omitempty number field.
func appendOptInt(b []byte, key string, v int) []byte {
	if v == 0 {
		return b
	}
	return appendIntField(b, key, v)
}

func appendMarshaled(b []byte, key string, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(append(b, key...), j...), nil
}

// appendTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds), refusing what it refuses: years that are not four digits
// and zone offsets of 24 hours or more.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	ok := b[n0+len("9999")] == '-'
	if end := len(b); ok && b[end-1] != 'Z' {
		c := b[end-len("Z07:00")]
		ok = !('0' <= c && c <= '9') && 10*(b[end-5]-'0')+(b[end-4]-'0') < 24
	}
	if !ok {
		_, err := t.MarshalJSON()
		return b[:n0-1], fmt.Errorf("encode time %s: %w", t, err)
	}
	return append(b, '"'), nil
}

// Bytes below utf8.RuneSelf that encoding/json escapes, as bit masks: the
// control characters, '"', '&', '<' and '>' (bytes 0-63), and '\\' (64-127).
const (
	escapeLow  = 1<<0x20 - 1 | 1<<'"' | 1<<'&' | 1<<'<' | 1<<'>'
	escapeHigh = 1 << ('\\' - 64)
)

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it: HTML-safe (\u003c, \u003e, \u0026), U+2028 and U+2029
// escaped, each byte of invalid UTF-8 as \ufffd. Given JSON text it quotes
// it, as a string field holding JSON is encoded.
func AppendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is yet to be copied as it is
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainASCII(word(s, i)) {
			i += 8
			continue
		}
		// Something in the next eight bytes needs a look: take them one by one.
		for end := min(i+8, len(s)); i < end; {
			c := s[i]
			if c < utf8.RuneSelf {
				if c < 64 && escapeLow>>c&1 == 0 || c >= 64 && escapeHigh>>(c-64)&1 == 0 {
					i++
					continue
				}
				dst = appendEscapedASCII(append(dst, s[start:i]...), c)
				i++
				start = i
				continue
			}
			r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				dst = append(dst, s[start:i]...)
				if r == utf8.RuneError {
					dst = append(dst, `\ufffd`...)
				} else {
					dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
				}
				start = i + size
			}
			i += size
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendEscapedASCII(dst []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// word is the eight bytes of s from i, little-endian.
func word[S ~string | ~[]byte](s S, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// plainASCII reports whether the eight bytes of x are all written as they
// are: ASCII, and none of those escapeLow and escapeHigh name. It tests them
// at once (see "determine if a word has a zero byte", Bit Twiddling Hacks).
func plainASCII(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// has sets the high bit of a byte at or below the first byte equal to c.
	has := func(c uint64) uint64 { v := x ^ ones*c; return (v - ones) &^ v }
	special := (x-ones*0x20)&^x | has('"') | has('&') | has('<') | has('>') | has('\\')
	return (special|x)&highs == 0
}
