// Package verify checks the Sign header TRTC puts on every callback:
// base64(HMAC-SHA256(callbackKey, rawBody)), with a key per SdkAppId.
//
// It works on the exact bytes received. Anything that re-encodes the body first
// (a proxy, a JSON middleware) breaks the signature, by design.
package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Errors callers map to responses. None of them carries the expected signature.
var (
	ErrMissingSign  = errors.New("missing Sign header")
	ErrMissingApp   = errors.New("missing SdkAppId header")
	ErrUnknownApp   = errors.New("unknown SdkAppId")
	ErrBadSignature = errors.New("signature does not match body")
)

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

// Check verifies sign for body from sdkAppID. The comparison is constant-time
// over the decoded MAC, so neither timing nor the error reveals the expected value.
func Check(keys Keys, sdkAppID, sign string, body []byte) error {
	if sign == "" {
		return ErrMissingSign
	}
	if sdkAppID == "" {
		return ErrMissingApp
	}
	key, ok := keys.Key(sdkAppID)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownApp, sdkAppID)
	}
	got, err := base64.StdEncoding.DecodeString(sign)
	if err != nil {
		return fmt.Errorf("%w: Sign is not standard base64", ErrBadSignature)
	}
	if !hmac.Equal(got, sum(key, body)) {
		return ErrBadSignature
	}
	return nil
}
