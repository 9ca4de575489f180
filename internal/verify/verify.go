// Package verify checks the Sign header TRTC puts on every callback:
// base64(HMAC-SHA256(callbackKey, rawBody)), with a key per SdkAppId.
//
// It works on the exact bytes received. Anything that re-encodes the body first
// (a proxy, a JSON middleware) breaks the signature, by design.
//
// The signature covers the body only, not the SdkAppId header, so the header is
// accepted only in its one canonical spelling (CanonicalApp): were 01400000001,
// +1400000001 or 1400000001.0 accepted as 1400000001, one captured body could be
// replayed once per spelling, each counted as a new app.
package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Errors callers map to responses. None of them carries the expected signature.
var (
	ErrMissingSign  = errors.New("missing Sign header")
	ErrMissingApp   = errors.New("missing SdkAppId header")
	ErrBadApp       = errors.New("SdkAppId must be a decimal number like 1400000001")
	ErrUnknownApp   = errors.New("unknown SdkAppId")
	ErrBadSignature = errors.New("signature does not match body")
)

// maxAppDigits is the length of the largest uint64, 18446744073709551615.
const maxAppDigits = 20

// CanonicalApp returns sdkAppID when it is a canonical SdkAppId: a positive
// decimal integer within uint64, digits only (no sign, point, exponent or
// spaces) and no leading zero, as TRTC sends them (1400000001). Anything else
// is ErrBadApp, or ErrMissingApp when empty. The value returned is the one to
// key state by.
func CanonicalApp(sdkAppID string) (string, error) {
	switch {
	case sdkAppID == "":
		return "", ErrMissingApp
	case !canonical(sdkAppID):
		return "", fmt.Errorf("%w, not %s", ErrBadApp, Loggable(sdkAppID))
	}
	return sdkAppID, nil
}

func canonical(s string) bool {
	if s == "" || len(s) > maxAppDigits || s[0] == '0' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(s, 10, 64) // 20 digits may exceed uint64
	return err == nil
}

// maxLogged bounds how much of an unauthenticated header is logged.
const maxLogged = 32

// Loggable is sdkAppID as it may be logged before it is authenticated: a
// canonical id unchanged; anything else quoted with non-printable characters
// escaped and cut to 32 bytes ("..." marks the cut), so a header can neither
// flood the log nor forge lines in it.
func Loggable(sdkAppID string) string {
	if sdkAppID == "" || canonical(sdkAppID) {
		return sdkAppID
	}
	if len(sdkAppID) <= maxLogged {
		return strconv.Quote(sdkAppID)
	}
	cut := maxLogged
	for cut > 0 && !utf8.RuneStart(sdkAppID[cut]) {
		cut--
	}
	return strconv.Quote(sdkAppID[:cut]) + "..."
}

// Keys finds the callback key for an application. ok is false when the app is
// not configured; a key is never returned for an app it was not set for.
type Keys interface {
	Key(sdkAppID string) (key []byte, ok bool)
}

// Sign returns the Sign header value for body under key.
func Sign(key, body []byte) string {
	return base64.StdEncoding.EncodeToString(sum(key, body))
}

func sum(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

// Check verifies sign for body from sdkAppID, which must be canonical
// (CanonicalApp). The comparison is constant-time over the decoded MAC, so
// neither timing nor the error reveals the expected value.
func Check(keys Keys, sdkAppID, sign string, body []byte) error {
	return NewVerifier(keys).Check(sdkAppID, sign, body)
}

// Verifier is Check for a server: it keeps each key's HMAC between
// callbacks (hmac.New costs half a dozen allocations, thousands of times a
// second under load). It is safe for concurrent use.
type Verifier struct {
	keys Keys
	mu   sync.RWMutex
	// macs are pools of HMACs by key. Bounded, so keys rotated without end
	// cannot grow it; past the bound a key gets a fresh HMAC each time.
	macs map[string]*sync.Pool
}

// maxPooledKeys bounds the keys a Verifier keeps HMACs for.
const maxPooledKeys = 1024

// NewVerifier returns a Verifier reading keys from keys at every check, so
// a key changed by a reload takes effect for the very next callback.
func NewVerifier(keys Keys) *Verifier {
	return &Verifier{keys: keys, macs: map[string]*sync.Pool{}}
}

// Check is the package's Check, with v's keys.
func (v *Verifier) Check(sdkAppID, sign string, body []byte) error {
	if sign == "" {
		return ErrMissingSign
	}
	if _, err := CanonicalApp(sdkAppID); err != nil {
		return err
	}
	key, ok := v.keys.Key(sdkAppID)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownApp, sdkAppID)
	}
	var buf [2 * sha256.Size]byte
	got, err := base64.StdEncoding.AppendDecode(buf[:0], []byte(sign))
	if err != nil {
		return fmt.Errorf("%w: Sign is not standard base64", ErrBadSignature)
	}
	pool := v.pool(key)
	mac := pool.Get().(hash.Hash)
	mac.Reset()
	mac.Write(body)
	var want [sha256.Size]byte
	equal := hmac.Equal(got, mac.Sum(want[:0]))
	pool.Put(mac)
	if !equal {
		return ErrBadSignature
	}
	return nil
}

// pool returns the pool of HMACs keyed with key.
func (v *Verifier) pool(key []byte) *sync.Pool {
	v.mu.RLock()
	p, ok := v.macs[string(key)]
	v.mu.RUnlock()
	if ok {
		return p
	}
	k := string(key) // a copy: the pool must not see the caller's slice change
	p = &sync.Pool{New: func() any { return hmac.New(sha256.New, []byte(k)) }}
	v.mu.Lock()
	defer v.mu.Unlock()
	if kept, ok := v.macs[k]; ok {
		return kept
	}
	if len(v.macs) < maxPooledKeys {
		v.macs[k] = p
	}
	return p
}
