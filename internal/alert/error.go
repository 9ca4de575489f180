package alert

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a failure by what the caller should do about it. The
// HTTP layer maps each code to one status in one table; nothing else decides
// statuses.
type ErrorCode string

const (
	EINVALID      ErrorCode = "invalid"      // the request is malformed: fix it, do not retry
	EUNAUTHORIZED ErrorCode = "unauthorized" // not signed, or not by whom it claims
	ENOTFOUND     ErrorCode = "not_found"    // no such thing
	ETOOLARGE     ErrorCode = "too_large"    // the request body is over its limit
	EUNAVAILABLE  ErrorCode = "unavailable"  // a dependency is down: retry later
	EINTERNAL     ErrorCode = "internal"     // a bug
)

// ReasonStoreUnsupported is the reason of a state store that answers but is
// not one hook runs on (too old a Redis); its Message says what is missing.
const ReasonStoreUnsupported = "store_unsupported"

// Error is an error with a code and a short machine reason (a bounded metrics
// label such as "bad_signature"). Message is safe to show to the caller.
type Error struct {
	Code    ErrorCode
	Reason  string
	Message string
	Err     error
}

func (e *Error) Error() string {
	switch {
	case e.Message != "" && e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	}
	return string(e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a coded error whose message is formatted as fmt.Errorf does
// (%w wraps). The reason is the code itself.
func Errorf(code ErrorCode, format string, args ...any) error {
	return &Error{Code: code, Reason: string(code), Err: fmt.Errorf(format, args...)}
}

// Wrap codes err with a reason, keeping it inspectable with errors.Is.
func Wrap(code ErrorCode, reason string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Reason: reason, Err: err}
}

// CodeOf returns the code of the outermost coded error in err's chain;
// EUNAVAILABLE for an uncoded one: an unknown failure is treated as
// transient, so a caller that can retry (TRTC) does, and no event is lost.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EUNAVAILABLE
}

// ReasonOf returns the reason of the outermost coded error, as CodeOf does.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Reason != "" {
			return e.Reason
		}
		return string(e.Code)
	}
	return string(EUNAVAILABLE)
}
