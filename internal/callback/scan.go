package callback

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The body is read with the small scanner below rather than with encoding/json's
// struct decoding, because two things encoding/json does cannot be turned off:
//
//   - it matches keys to fields with Unicode case folding, so "Statuſ" (long s) and
//     "CallbacKTs" (Kelvin sign K) are read as Status and CallbackTs;
//   - of two keys it considers equal, the last silently wins, while a generic map
//     keeps both spellings: {"Status":0,"Statuſ":1} then read as status 1 for
//     matchers and 0 for `when: Payload.Status`.
//
// Here a key names a field only when it equals the field's name ignoring ASCII case
// (roomID is RoomId, Statuſ is nothing), and a body holding a key twice in one
// object (ASCII case-insensitively) is refused, so the typed fields and Payload see
// the same keys. The scanner runs only on bodies validJSON accepted (what json.Valid
// accepts), so it does not check syntax again, and the nesting limit bounds the depth
// it tracks.

// skipSpace returns the index of the first byte at or after i that is not JSON
// whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string that starts at b[i] (a quote),
// and whether it holds escapes.
func stringEnd(b []byte, i int) (end int, escaped bool) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(b), escaped
}

// valueEnd returns the index just past the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i, _ = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for i < len(b) { // number, true, false, null
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return len(b)
}

// members iterates over the key/value pairs of a valid JSON object.
type members struct {
	b []byte
	i int
}

func objectMembers(obj []byte) members { return members{b: obj, i: 1} }

// next returns the next member: its key as written (quotes included) and its raw
// value. ok is false after the last one.
func (m *members) next() (key, value []byte, ok bool) {
	i := skipSpace(m.b, m.i)
	if i < len(m.b) && m.b[i] == ',' {
		i = skipSpace(m.b, i+1)
	}
	if i >= len(m.b) || m.b[i] != '"' {
		return nil, nil, false
	}
	keyEnd, _ := stringEnd(m.b, i)
	key = m.b[i:keyEnd]
	v := skipSpace(m.b, skipSpace(m.b, keyEnd)+1) // past the colon
	end := valueEnd(m.b, v)
	m.i = end
	return key, m.b[v:end], true
}

// keyName is the text of a quoted key as encoding/json decodes it (escapes resolved,
// invalid UTF-8 replaced), without allocating for the plain keys TRTC sends.
func keyName(quoted []byte) []byte {
	inner := quoted[1 : len(quoted)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return inner
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return inner
	}
	return []byte(s)
}

// maxFieldName bounds the keys worth comparing with hook's field names (the longest
// is "EventGroupId"); longer keys are no field of hook's.
const maxFieldName = 16

// foldedName lowers the ASCII letters of a key into buf, for comparison with
// lower-case field names; non-ASCII bytes stay as they are, so a lookalike letter
// never matches. It returns nil for keys too long to be a field name.
func foldedName(buf *[maxFieldName]byte, quoted []byte) []byte {
	name := keyName(quoted)
	if len(name) > len(buf) {
		return nil
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(name)]
}

// errDuplicate reports a key given twice in one object.
func errDuplicate(name []byte) error {
	return fmt.Errorf("%w: duplicate key %s (keys are compared ignoring ASCII case)", ErrInvalid, printable(name))
}

// keySpan is where a quoted key is in the body.
type keySpan struct{ start, end int }

// smallObject is how many keys an object may have before duplicates are found with
// a map instead of comparing every pair.
const smallObject = 16

// openValue is an object or array checkKeys is inside of.
type openValue struct {
	object    bool
	expectKey bool                // in an object: the next string is a key
	first     int                 // in an object: where its keys start in checkKeys' list
	many      map[string]struct{} // in a large object: its keys, lower-cased
}

// checkKeys refuses a valid JSON body in which an object holds a key twice,
// comparing keys ignoring ASCII case. It walks the body iteratively, with its
// scratch space on the stack for the shallow bodies TRTC sends.
func checkKeys(b []byte) error {
	var keyBuf [2 * smallObject]keySpan
	var openBuf [8]openValue
	keys, open := keyBuf[:0], openBuf[:0]
	for i := 0; i < len(b); {
		switch b[i] {
		case '{':
			open = append(open, openValue{object: true, expectKey: true, first: len(keys)})
			i++
		case '[':
			open = append(open, openValue{})
			i++
		case '}', ']':
			top := open[len(open)-1]
			open = open[:len(open)-1]
			if top.object {
				keys = keys[:top.first]
			}
			i++
		case ',':
			if n := len(open); n > 0 && open[n-1].object {
				open[n-1].expectKey = true
			}
			i++
		case '"':
			end, _ := stringEnd(b, i)
			if n := len(open); n > 0 && open[n-1].object && open[n-1].expectKey {
				top := &open[n-1]
				top.expectKey = false
				var err error
				if keys, err = addKey(b, keySpan{i, end}, keys, top); err != nil {
					return err
				}
			}
			i = end
		case ' ', '\t', '\n', '\r', ':':
			i++
		default: // number, true, false, null
			i = valueEnd(b, i)
		}
	}
	return nil
}

// addKey records key as one of top's keys, or reports it as a duplicate.
func addKey(b []byte, key keySpan, keys []keySpan, top *openValue) ([]keySpan, error) {
	name := keyName(b[key.start:key.end])
	if top.many != nil {
		folded := string(asciiLower(name))
		if _, dup := top.many[folded]; dup {
			return keys, errDuplicate(name)
		}
		top.many[folded] = struct{}{}
		return keys, nil
	}
	for _, k := range keys[top.first:] {
		if asciiEqualFold(keyName(b[k.start:k.end]), name) {
			return keys, errDuplicate(name)
		}
	}
	keys = append(keys, key)
	if len(keys)-top.first > smallObject {
		top.many = make(map[string]struct{}, 2*smallObject)
		for _, k := range keys[top.first:] {
			top.many[string(asciiLower(keyName(b[k.start:k.end])))] = struct{}{}
		}
		keys = keys[:top.first]
	}
	return keys, nil
}

// asciiEqualFold reports whether a and b are equal ignoring the case of ASCII
// letters only.
func asciiEqualFold(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func asciiLower(s []byte) []byte {
	out := make([]byte, len(s))
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// maxQuoted bounds text from the body quoted in an error message (which is
// logged and returned to the sender).
const maxQuoted = 32

// printable quotes up to maxQuoted bytes of s with non-printable characters
// escaped, marking a cut with an ellipsis.
func printable(s []byte) string {
	cut, more := clip(s)
	return strconv.Quote(string(cut)) + more
}

// printableJSON shows a raw JSON value in a message: a string quoted as by
// printable, anything else as written, cut the same way, its non-printable
// characters escaped and line breaks shown as spaces.
func printableJSON(raw []byte) string {
	if len(raw) > 0 && raw[0] == '"' {
		s, _ := readString(raw)
		return printable([]byte(s))
	}
	cut, more := clip(raw)
	var b strings.Builder
	for _, r := range string(cut) {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String() + more
}

// clip cuts s to maxQuoted bytes at a character boundary; more is "..." when it cut.
func clip(s []byte) (cut []byte, more string) {
	if len(s) <= maxQuoted {
		return s, ""
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], "..."
}
