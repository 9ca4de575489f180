package alert

// ErrStoreUnavailable wraps every failure to reach Redis, whichever package
// kept the state (state, outbox, silence, threads, ...), so callers can tell
// "the state store is down" (answer 503, let TRTC retry) from a bug.
var ErrStoreUnavailable = &Error{Code: EUNAVAILABLE, Reason: "unavailable", Message: "state store unavailable"}
