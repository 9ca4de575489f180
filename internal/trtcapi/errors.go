package trtcapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
)

// Class sorts the failures of an enrichment by what the caller should do about them.
type Class string

const (
	// ClassAuth: the credentials are wrong or lack permission (AuthFailure.*,
	// UnauthorizedOperation.*). Retrying will not help; an operator must act.
	ClassAuth Class = "auth"
	// ClassRateLimited: TRTC answered RequestLimitExceeded, or hook's own limiter had
	// no room within the time budget. Try again later.
	ClassRateLimited Class = "rate_limited"
	// ClassNotFound: TRTC has no data (ResourceNotFound.*, FailedOperation.RoomNotExist).
	// Enrich turns it into an empty Enrichment; only Client callers see it.
	ClassNotFound Class = "not_found"
	// ClassTimeout: the time budget or the caller's context ran out.
	ClassTimeout Class = "timeout"
	// ClassSkipped: the subject cannot be enriched (the room's creation could not be
	// found, or the event is older than TRTC keeps data). Not a failure.
	ClassSkipped Class = "skipped"
	// ClassInvalid: the subject or query is malformed (a caller's bug).
	ClassInvalid Class = "invalid"
	// ClassAPI: any other error from the API, the network or the response's shape.
	ClassAPI Class = "api"
)

// Sentinels for errors.Is: errors.Is(err, trtcapi.ErrRateLimited) holds for every
// *Error of that class.
var (
	ErrAuth        = &Error{Class: ClassAuth}
	ErrRateLimited = &Error{Class: ClassRateLimited}
	ErrNotFound    = &Error{Class: ClassNotFound}
	ErrTimeout     = &Error{Class: ClassTimeout}
	ErrSkipped     = &Error{Class: ClassSkipped}
	ErrInvalid     = &Error{Class: ClassInvalid}
)

// Error is every error this package returns.
type Error struct {
	Class Class
	// Action is the API action that failed, if any.
	Action string
	// Code, Message and RequestID are TRTC's, when the API answered with an error.
	Code      string
	Message   string
	RequestID string
	// Err is the cause: the SDK's *errors.TencentCloudSDKError, a context error, ...
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("enrich")
	if e.Action != "" {
		b.WriteString(" ")
		b.WriteString(e.Action)
	}
	b.WriteString(": ")
	b.WriteString(string(e.Class))
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", Bound(e.Message, maxMessageChars))
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", Bound(e.RequestID, 64))
	}
	if e.Err != nil && e.Code == "" {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches the class sentinels: a sentinel has no cause, and any *Error of its
// class is it.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Err == nil && t.Code == "" && t.Action == "" && t.Class == e.Class
}

// Classify turns what the SDK returned into an *Error. ctx decides whether a
// network failure was really the deadline.
func Classify(ctx context.Context, action string, err error) *Error {
	if err == nil {
		return nil
	}
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The SDK reports a cancelled request as ClientError.NetworkError; what
		// matters to the caller is that the budget ran out.
		return &Error{Class: ClassTimeout, Action: action, Err: fmt.Errorf("%w: %w", ctxErr, err)}
	}
	e := &Error{Class: ClassAPI, Action: action, Err: err}
	var sdk *tcerr.TencentCloudSDKError
	if errors.As(err, &sdk) {
		e.Code, e.Message, e.RequestID = sdk.Code, sdk.Message, sdk.RequestId
		e.Class = classOfCode(sdk.Code)
	}
	if e.Class == ClassAPI && errors.Is(err, context.DeadlineExceeded) {
		e.Class = ClassTimeout
	}
	return e
}

// classOfCode maps Tencent Cloud error codes (common ones and TRTC's) to a class.
func classOfCode(code string) Class {
	top, _, _ := strings.Cut(code, ".")
	switch {
	case top == "AuthFailure", top == "UnauthorizedOperation":
		return ClassAuth
	case top == "RequestLimitExceeded",
		code == "OperationDenied.FreqOverLimit",
		code == "FailedOperation.RestrictedFrequency",
		code == "LimitExceeded.ConcurrencyLimit":
		return ClassRateLimited
	case top == "ResourceNotFound", code == "FailedOperation.RoomNotExist":
		return ClassNotFound
	}
	return ClassAPI
}

// maxMessageChars bounds TRTC's message in an error, as enrich bounds what
// clients sent.
const maxMessageChars = 200

// AsError finds this package's *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
