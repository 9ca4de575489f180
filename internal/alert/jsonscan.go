package alert

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader reads JSON text the way encoding/json does, for the values
// jsondecode.go needs. Every method reports false for anything it is not
// certain to read as encoding/json would; the caller then leaves the whole
// input to encoding/json. So a reader that accepts must have checked the
// syntax of all it consumed, and one that refuses needs no error of its own.
type jsonReader struct {
	s string // the input; decoded strings without escapes are slices of it
	i int    // where reading goes on
}

// ws skips JSON whitespace.
func (r *jsonReader) ws() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// open skips whitespace and the byte c that opens an object or array.
func (r *jsonReader) open(c byte) bool {
	r.ws()
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left: encoding/json refuses
// anything after the value.
func (r *jsonReader) end() bool {
	r.ws()
	return r.i == len(r.s)
}

// member reads on to the next member of an object, whose opening brace
// (first) or previous value was read: its key, then the colon. done is set
// when the object closed instead; ok is false for anything else. Keys
// with escapes or bytes outside printable ASCII are refused: none of the
// known keys has them.
func (r *jsonReader) member(first bool) (key string, done, ok bool) {
	r.ws()
	if r.i >= len(r.s) {
		return "", false, false
	}
	switch r.s[r.i] {
	case '}':
		r.i++
		return "", true, true
	case ',':
		if first {
			return "", false, false
		}
		r.i++
		r.ws()
	default:
		if !first {
			return "", false, false
		}
	}
	if r.i >= len(r.s) || r.s[r.i] != '"' {
		return "", false, false
	}
	start := r.i + 1
	i := start
	for ; i < len(r.s) && r.s[i] != '"'; i++ {
		if c := r.s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return "", false, false
		}
	}
	if i >= len(r.s) {
		return "", false, false
	}
	key = r.s[start:i]
	r.i = i + 1
	r.ws()
	if r.i >= len(r.s) || r.s[r.i] != ':' {
		return "", false, false
	}
	r.i++
	r.ws()
	return key, false, true
}

// element reads on to the next element of an array, whose opening bracket
// (first) or previous element was read. done is set when the array closed.
func (r *jsonReader) element(first bool) (done, ok bool) {
	r.ws()
	if r.i >= len(r.s) {
		return false, false
	}
	switch r.s[r.i] {
	case ']':
		r.i++
		return true, true
	case ',':
		if first {
			return false, false
		}
		r.i++
		r.ws()
		return false, true
	}
	return false, first
}

// strInto reads a JSON string into a string-typed field.
func strInto[S ~string](r *jsonReader, p *S) bool {
	s, ok := r.str()
	*p = S(s)
	return ok
}

// str reads a JSON string. Without escapes it is a slice of the input, no
// copy; with them, encoding/json's unquoting is repeated. Invalid UTF-8,
// which encoding/json replaces byte by byte, is refused.
func (r *jsonReader) str() (string, bool) {
	s := r.s
	if r.i >= len(s) || s[r.i] != '"' {
		return "", false
	}
	start := r.i + 1
	high := false
	for i := start; ; i++ {
		for i+8 <= len(s) && plainStringBytes(word(s, i)) {
			i += 8
		}
		if i >= len(s) {
			return "", false
		}
		switch c := s[i]; {
		case c == '"':
			v := s[start:i]
			if high && !utf8.ValidString(v) {
				return "", false
			}
			r.i = i + 1
			return v, true
		case c == '\\':
			if high && !utf8.ValidString(s[start:i]) {
				return "", false
			}
			return r.unescape(start, i)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
}

// plainStringBytes reports whether none of the eight bytes of x is '"',
// '\\', a control character or outside ASCII (see plainASCII).
func plainStringBytes(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	has := func(c uint64) uint64 { v := x ^ ones*c; return (v - ones) &^ v }
	special := (x-ones*0x20)&^x | has('"') | has('\\')
	return (special|x)&highs == 0
}

// unescape goes on reading the string that began at start, whose first
// escape is at i, as encoding/json's unquote does; s[start:i] is valid.
func (r *jsonReader) unescape(start, i int) (string, bool) {
	s := r.s
	var b strings.Builder
	b.Grow(i - start + 16)
	b.WriteString(s[start:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			r.i = i + 1
			return b.String(), true
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf && c != '\\':
			b.WriteByte(c)
			i++
		case c >= utf8.RuneSelf:
			rn, size := utf8.DecodeRuneInString(s[i:])
			if rn == utf8.RuneError && size == 1 {
				return "", false
			}
			b.WriteString(s[i : i+size])
			i += size
		case i+1 >= len(s):
			return "", false
		default: // an escape
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				rn := hex4(s, i)
				if rn < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(rn) {
					// A pair is taken whole; anything else, as encoding/json
					// does, becomes U+FFFD and what follows is read on its own.
					if dec := utf16.DecodeRune(rn, hex4(s, i)); dec != unicode.ReplacementChar {
						b.WriteRune(dec)
						i += 6
						continue
					}
					rn = unicode.ReplacementChar
				}
				b.WriteRune(rn)
				continue
			default:
				return "", false
			}
			i += 2
		}
	}
	return "", false
}

// hex4 is the rune of a \u escape (four hex digits) at s[i:], or -1 if there is none
// (encoding/json's getu4).
func hex4(s string, i int) rune {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return -1
	}
	var rn rune
	for _, c := range []byte(s[i+2 : i+6]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		rn = rn<<4 | rune(c)
	}
	return rn
}

// int reads a JSON number into an int, as encoding/json does: an integer
// in range. Fractions and exponents, which encoding/json refuses for an
// int, are refused here too and left to it.
func (r *jsonReader) int() (int, bool) {
	s, i := r.s, r.i
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	digits := i
	switch {
	case i >= len(s):
		return 0, false
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	if i < len(s) && (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
		return 0, false
	}
	num := s[r.i:i]
	r.i = i
	if i-digits <= 9 { // fits any int
		v := 0
		for _, c := range []byte(s[digits:i]) {
			v = 10*v + int(c-'0')
		}
		if neg {
			v = -v
		}
		return v, true
	}
	v, err := strconv.ParseInt(num, 10, 0)
	return int(v), err == nil
}

// bool reads true or false.
func (r *jsonReader) bool() (bool, bool) {
	switch {
	case strings.HasPrefix(r.s[r.i:], "true"):
		r.i += len("true")
		return true, true
	case strings.HasPrefix(r.s[r.i:], "false"):
		r.i += len("false")
		return false, true
	}
	return false, false
}

// time reads a JSON string into a time.Time the way encoding/json does:
// its literal, quotes and all, goes to time.Time.UnmarshalJSON. Escapes,
// which that method does not undo, are refused.
func (r *jsonReader) time(t *time.Time) bool {
	s := r.s
	if r.i >= len(s) || s[r.i] != '"' {
		return false
	}
	j := r.i + 1
	for ; j < len(s) && s[j] != '"'; j++ {
		if s[j] < 0x20 || s[j] == '\\' {
			return false
		}
	}
	if j >= len(s) {
		return false
	}
	lit := s[r.i : j+1]
	var buf [64]byte // the literal is copied on the stack, not the heap
	b := append(buf[:0], lit...)
	if t.UnmarshalJSON(b) != nil {
		return false
	}
	r.i = j + 1
	return true
}

// skip reads past one JSON value of any kind and returns its text, for
// encoding/json to decode. Its syntax is not checked: encoding/json checks
// it then. It only has to find where a valid value ends.
func (r *jsonReader) skip() (string, bool) {
	s, start, depth := r.s, r.i, 0
	for r.i < len(s) {
		switch s[r.i] {
		case '"':
			r.i++
			for r.i < len(s) && s[r.i] != '"' {
				if s[r.i] == '\\' {
					r.i++
				}
				r.i++
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return s[start:r.i], true
			}
			if depth--; depth == 0 {
				r.i++
				return s[start:r.i], true
			}
		case ',':
			if depth == 0 {
				return s[start:r.i], true
			}
		}
		r.i++
	}
	return "", false
}
