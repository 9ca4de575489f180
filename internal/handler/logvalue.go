package handler

import (
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text a request brings before anything vouched for it (the SdkAppId and
// Sign headers, path parameters) and client text inside a callback (room,
// user) reaches the log only bounded and sanitised: anyone can send a
// megabyte of header, and a line break or terminal escape in a log line
// forges log lines. These are the bounds.
const (
	maxLoggedHeader = 64  // SdkAppId and other unauthenticated headers
	maxLoggedValue  = 128 // a callback's room, user and the like
	maxLoggedError  = 512 // an error's text, which may quote the above
	// maxQuotingError bounds the text of an error that quotes a request
	// (clippedError): under maxLoggedError, so the log keeps its marker.
	maxQuotingError = 256
	// maxErrorMessage bounds an error's text in a response body.
	maxErrorMessage = 512
)

// untrusted is a log attribute value shown bounded: at most max bytes of s,
// each non-printable character escaped (\n, \x1b, \u2028), and, when cut,
// "…(N bytes)" with s's full length.
type untrusted struct {
	s   string
	max int
}

func (u untrusted) LogValue() slog.Value { return slog.StringValue(clip(u.s, u.max)) }

// clientText is a callback's client-chosen text for the log.
func clientText(s string) untrusted { return untrusted{s, maxLoggedValue} }

// errText is an error for the log, its text bounded.
func errText(err error) untrusted { return untrusted{err.Error(), maxLoggedError} }

// clip bounds and sanitises s as untrusted describes.
func clip(s string, max int) string {
	if len(s) <= max && isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+size]
		if size == 1 && r == utf8.RuneError || !unicode.IsPrint(r) {
			q := strconv.QuoteToASCII(piece) // \xff, \n, \u2028
			piece = q[1 : len(q)-1]
		}
		if b.Len()+len(piece) > max {
			b.WriteString("…(" + strconv.Itoa(len(s)) + " bytes)")
			return b.String()
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

func isPrintable(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// clippedError is err with its text bounded, for errors whose text may
// quote what a request sent (an unknown SdkAppId); errors.Is and As still
// see err.
type clippedError struct{ err error }

func (e clippedError) Error() string { return clip(e.err.Error(), maxQuotingError) }
func (e clippedError) Unwrap() error { return e.err }
