package callback

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// The readers below take one raw JSON value of a valid body. TRTC sends many
// numbers as strings in some groups or document versions, so each reader accepts
// both; anything else reads as absent.

// optInt is an optional integer: a number or a numeric string. Any other shape, or
// a value out of range, reads as absent.
type optInt struct {
	v  int64
	ok bool
}

func readInt(raw []byte) optInt {
	v, ok := parseInt(raw)
	return optInt{v: v, ok: ok}
}

// parseInt accepts 12, "12", 12.0 and "1.2e1"; not null, "", true, 1.5 or values
// beyond int64.
func parseInt(raw []byte) (int64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	num := raw
	if raw[0] == '"' {
		s, ok := readString(raw)
		if !ok {
			return 0, false
		}
		num = []byte(s)
	} else if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, false
	}
	if v, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

func (n optInt) or(def int64) int64 {
	if n.ok {
		return n.v
	}
	return def
}

// code is the value as a catalogue code: Absent when missing or negative (no
// documented code is), and when too large to be one.
func (n optInt) code() int {
	if !n.ok || n.v < 0 || n.v > math.MaxInt32 {
		return Absent
	}
	return int(n.v)
}

// readString decodes a JSON string value; ok is false for any other shape.
func readString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// readText reads a text field TRTC may send as a string or a number (a task id
// 123456789012 is the text "123456789012"); other shapes read as "".
func readText(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		s, _ := readString(raw)
		return s
	}
	if isNumber(raw) {
		return string(raw)
	}
	return ""
}

func isNumber(raw []byte) bool {
	return len(raw) > 0 && (raw[0] == '-' || ('0' <= raw[0] && raw[0] <= '9'))
}

// readFloat reads a number or a numeric string; ok is false otherwise.
func readFloat(raw []byte) (float64, bool) {
	num := raw
	if len(raw) > 0 && raw[0] == '"' {
		s, ok := readString(raw)
		if !ok {
			return 0, false
		}
		num = []byte(s)
	} else if !isNumber(raw) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func isObject(raw []byte) bool { return len(raw) > 0 && raw[0] == '{' }
