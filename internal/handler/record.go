package handler

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/record"
)

// Recorder keeps the callbacks hook accepted (record.Writer implements
// it): app is the verified SdkAppId, body the bytes as received, at when
// it arrived. Record must not wait: it runs on every accepted callback,
// after its answer is decided.
type Recorder interface {
	Record(app string, body []byte, at time.Time)
}

// RecordSource streams the record back (record.Reader implements it).
type RecordSource interface {
	Read(ctx context.Context, q record.Query, fn func(record.Entry) error) error
}

// recordPath streams the record for `hook backtest`: it bounds its own
// work (each Redis read), not the whole request, which may take minutes
// for a day of a busy app.
const recordPath = "/api/v1/record"

// recordRoutes registers GET /api/v1/record, like the rest of the admin
// API only when a token is set.
func recordRoutes(e *echo.Echo, cfg Config, d Deps) {
	if cfg.AdminToken == "" || d.RecordReader == nil {
		return
	}
	h := &recordAdmin{src: d.RecordReader, now: d.Now}
	e.GET(recordPath, h.stream, requireBearer(cfg.AdminToken))
}

type recordAdmin struct {
	src RecordSource
	now func() time.Time
}

// parseRecordQuery reads from and to (RFC 3339, or Unix milliseconds),
// since (a duration before now, instead of from), app and room.
func parseRecordQuery(c echo.Context, now time.Time) (record.Query, error) {
	q := record.Query{App: c.QueryParam("app"), Room: c.QueryParam("room")}
	at := func(name string) (time.Time, error) {
		s := c.QueryParam(name)
		if s == "" {
			return time.Time{}, nil
		}
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.UnixMilli(ms), nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, invalid(name + " must be an RFC 3339 time (2026-03-01T12:00:00Z) or Unix milliseconds")
		}
		return t, nil
	}
	var err error
	if q.From, err = at("from"); err != nil {
		return q, err
	}
	if q.To, err = at("to"); err != nil {
		return q, err
	}
	if s := c.QueryParam("since"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return q, invalid("since must be a positive duration like 24h")
		}
		if !q.From.IsZero() {
			return q, invalid("give since or from, not both")
		}
		q.From = now.Add(-d)
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return q, invalid("to is before from")
	}
	return q, nil
}

// stream writes the callbacks of the period as newline-delimited JSON (see
// record.AppendLine), in arrival order, then an end line with their count.
// An error before the first line is an ordinary error answer; after it, an
// error line ends the stream, so a client never takes a cut stream for the
// whole period.
func (h *recordAdmin) stream(c echo.Context) error {
	q, err := parseRecordQuery(c, h.now())
	if err != nil {
		return err
	}
	res := c.Response()
	// The server's write timeout is for answers of a few lines; this one
	// lasts as long as the period takes to read.
	_ = http.NewResponseController(res).SetWriteDeadline(time.Time{})
	w := bufio.NewWriterSize(res, 64<<10)
	var line []byte
	n := 0
	start := func() {
		res.Header().Set(echo.HeaderContentType, "application/x-ndjson")
		res.Header().Set("Cache-Control", "no-store")
		res.WriteHeader(http.StatusOK)
	}
	err = h.src.Read(c.Request().Context(), q, func(e record.Entry) error {
		if n == 0 {
			start()
		}
		n++
		line = record.AppendLine(line[:0], e)
		if _, err := w.Write(line); err != nil {
			return err
		}
		return nil
	})
	switch {
	case err != nil && n == 0:
		return alert.Wrap(alert.EUNAVAILABLE, "unavailable", err)
	case err != nil:
		_, _ = w.Write(record.AppendError(nil, err))
		return w.Flush()
	}
	if n == 0 {
		start()
	}
	_, _ = w.Write(record.AppendEnd(nil, n))
	return w.Flush()
}
