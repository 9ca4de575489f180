package enrich

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookdev/hook/internal/trtcapi"
)

// gap is one piece of enrichment that could not be had, with the error behind
// it (nil for "no data"), for the log line.
type gap struct {
	Missing
	err error
}

// gapList collects what one enrichment could not have, each Missing once.
type gapList []gap

func (g *gapList) add(data string, err error) {
	reason := ReasonNoData
	if err != nil {
		reason = reasonOf(err)
	}
	g.addReason(data, reason, err)
}

func (g *gapList) addReason(data, reason string, err error) {
	m := Missing{Data: data, Reason: reason}
	for _, x := range *g {
		if x.Missing == m {
			return
		}
	}
	*g = append(*g, gap{Missing: m, err: err})
}

func (g gapList) missing() []Missing {
	if len(g) == 0 {
		return nil
	}
	out := make([]Missing, len(g))
	for i, x := range g {
		out[i] = x.Missing
	}
	return out
}

// knownCodes are the top-level Tencent Cloud error codes (the part before the
// first ".") a Missing may name as they are: TRTC's common codes. Any other
// code is ReasonError, so the reasons stay a small set (a metric label) even
// when a broken or hostile endpoint makes codes up.
var knownCodes = map[string]bool{
	"AuthFailure": true, "UnauthorizedOperation": true, "RequestLimitExceeded": true, "LimitExceeded": true,
	"OperationDenied": true, "FailedOperation": true, "InternalError": true, "InvalidParameter": true,
	"InvalidParameterValue": true, "MissingParameter": true, "UnknownParameter": true, "InvalidAction": true,
	"ResourceUnavailable": true, "ResourceInsufficient": true, "ResourceNotFound": true, "UnsupportedOperation": true,
	"UnsupportedRegion": true, "UnsupportedProtocol": true, "InvalidRequest": true, "RequestSizeLimitExceeded": true,
}

// reasonOf is the short reason a failure is shown and counted with: TRTC's
// top-level error code ("AuthFailure", "RequestLimitExceeded"), or "timeout",
// "unreachable" (the network), "throttled" (hook's own limit), "no data",
// "invalid", "error".
func reasonOf(err error) string {
	ee, ok := trtcapi.AsError(err)
	if !ok {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return ReasonTimeout
		}
		return ReasonError
	}
	top, _, _ := strings.Cut(ee.Code, ".")
	switch ee.Class {
	case trtcapi.ClassTimeout:
		return ReasonTimeout
	case trtcapi.ClassNotFound, trtcapi.ClassSkipped:
		return ReasonNoData
	case trtcapi.ClassInvalid:
		return ReasonInvalid
	case trtcapi.ClassAuth:
		if knownCodes[top] {
			return top
		}
		return "AuthFailure"
	case trtcapi.ClassRateLimited:
		if ee.Code == "" {
			return ReasonThrottled
		}
		if knownCodes[top] {
			return top
		}
		return "RequestLimitExceeded"
	}
	switch {
	case ee.Code == "ClientError.NetworkError":
		return ReasonUnreachable
	case knownCodes[top]:
		return top
	}
	return ReasonError
}

// Each kind of gap (what, and why) is logged at most gapLogBurst times at
// once and then once every gapLogEvery: a credential gone bad fails every
// page, and the log must still say so without being flooded.
const (
	gapLogEvery = 20 * time.Second
	gapLogBurst = 3
)

// gapLog logs and counts gaps, rate-limited per kind. The kinds are few
// (data x reason, both from bounded sets), so the map stays small.
type gapLog struct {
	log     *slog.Logger
	metrics *Metrics
	now     func() time.Time

	mu    sync.Mutex
	kinds map[Missing]*gapKind
}

type gapKind struct {
	limiter    *rate.Limiter
	suppressed int // lines held back since the last one logged
}

func newGapLog(log *slog.Logger, m *Metrics, now func() time.Time) *gapLog {
	return &gapLog{log: log, metrics: m, now: now, kinds: map[Missing]*gapKind{}}
}

// note counts g and logs it at warn, unless its kind was logged too often
// lately; the next line logged of that kind says how many were held back.
func (l *gapLog) note(ctx context.Context, s Subject, g gap) {
	l.metrics.missing(g.Data, g.Reason)
	l.mu.Lock()
	k, ok := l.kinds[g.Missing]
	if !ok {
		k = &gapKind{limiter: rate.NewLimiter(rate.Every(gapLogEvery), gapLogBurst)}
		l.kinds[g.Missing] = k
	}
	if !k.limiter.AllowN(l.now(), 1) {
		k.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := k.suppressed
	k.suppressed = 0
	l.mu.Unlock()
	attrs := []any{"data", g.Data, "reason", g.Reason, "kind", s.Kind, "app", trtcapi.Bound(s.App, 32),
		"room", trtcapi.Bound(s.roomKey(), 64), "user", trtcapi.Bound(s.User, 64), "follow_up", s.FollowUp}
	if g.err != nil {
		attrs = append(attrs, "err", g.err)
	}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	l.log.WarnContext(ctx, "page enrichment incomplete", attrs...)
}
