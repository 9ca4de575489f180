package handler

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify/words"
)

// OutboxAdmin is what the admin API needs from the outbox and its dead letters.
type OutboxAdmin interface {
	OutboxStats(ctx context.Context, now time.Time) (alert.OutboxStats, error)
	DeadLetters(ctx context.Context, limit int) ([]alert.DeadLetter, error)
	RetryDeadLetter(ctx context.Context, id string, now time.Time) (string, error)
	DropDeadLetter(ctx context.Context, id string) error
}

// Limits of GET /api/v1/deadletters?limit=N.
const (
	defaultDeadLetterLimit = 100
	maxDeadLetterLimit     = 1000
)

type outboxAdmin struct {
	store   OutboxAdmin
	digests DigestAdmin // nil: no digest count
	now     func() time.Time
}

// outboxRoutes registers the outbox admin API, only when a token is set:
// without one the routes do not exist (404) rather than stand open.
func outboxRoutes(e *echo.Echo, cfg Config, d Deps) {
	if cfg.AdminToken == "" || d.Outbox == nil {
		return
	}
	h := &outboxAdmin{store: d.Outbox, digests: d.Digests, now: d.Now}
	g := e.Group("/api/v1", requireBearer(cfg.AdminToken))
	g.GET("/outbox", h.stats)
	g.GET("/deadletters", h.list)
	g.POST("/deadletters/:id/retry", h.retry)
	g.DELETE("/deadletters/:id", h.drop)
}

// OutboxStatsJSON is the body of GET /api/v1/outbox.
type OutboxStatsJSON struct {
	Depth            int64   `json:"depth"`
	Pending          int64   `json:"pending"`
	OldestAgeSeconds float64 `json:"oldest_age_seconds"`
	DeadLetters      int64   `json:"dead_letters"`
	// Digests is how many flood digests are recorded (digests.go).
	Digests *int64 `json:"digests,omitempty"`
}

func (h *outboxAdmin) stats(c echo.Context) error {
	st, err := h.store.OutboxStats(c.Request().Context(), h.now())
	if err != nil {
		return err
	}
	out := OutboxStatsJSON{Depth: st.Depth, Pending: st.Pending,
		OldestAgeSeconds: st.OldestAge.Seconds(), DeadLetters: st.DeadLetters}
	if h.digests != nil {
		n, err := h.digests.DigestCount(c.Request().Context())
		if err != nil {
			return err
		}
		out.Digests = &n
	}
	return c.JSON(http.StatusOK, out)
}

// DeadLetterJSON is one entry of GET /api/v1/deadletters.
type DeadLetterJSON struct {
	ID       string          `json:"id"`
	Reason   string          `json:"reason"`
	FailedAt time.Time       `json:"failed_at"`
	OutboxID string          `json:"outbox_id,omitempty"`
	Page     PageSummaryJSON `json:"page"`
}

// PageSummaryJSON is what an operator needs to recognise a page.
type PageSummaryJSON struct {
	ID        string    `json:"id"`
	Rule      string    `json:"rule,omitempty"`
	Severity  string    `json:"severity,omitempty"`
	Title     string    `json:"title,omitempty"`
	Receiver  string    `json:"receiver,omitempty"`
	Incident  string    `json:"incident,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Error     string    `json:"error,omitempty"` // the page could not be decoded
}

// DeadLettersJSON is the body of GET /api/v1/deadletters.
type DeadLettersJSON struct {
	DeadLetters []DeadLetterJSON `json:"dead_letters"`
}

func (h *outboxAdmin) list(c echo.Context) error {
	limit := defaultDeadLetterLimit
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxDeadLetterLimit {
			return invalid("limit must be a number from 1 to " + strconv.Itoa(maxDeadLetterLimit))
		}
		limit = n
	}
	dls, err := h.store.DeadLetters(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	out := DeadLettersJSON{DeadLetters: make([]DeadLetterJSON, 0, len(dls))}
	for _, dl := range dls {
		j := DeadLetterJSON{ID: dl.ID, Reason: dl.Reason, FailedAt: dl.FailedAt, OutboxID: dl.OutboxID}
		if dl.Raw != nil {
			j.Page.Error = "undecodable entry: " + string(dl.Raw)
		} else {
			p := dl.Notification
			j.Page = PageSummaryJSON{ID: p.PageID(), Rule: p.Rule, Severity: string(p.Severity), Title: words.Title(p),
				Receiver: p.Receiver.Name, Incident: p.Incident, CreatedAt: p.CreatedAt}
		}
		out.DeadLetters = append(out.DeadLetters, j)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *outboxAdmin) retry(c echo.Context) error {
	id := c.Param("id")
	newID, err := h.store.RetryDeadLetter(c.Request().Context(), id, h.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"id": id, "outbox_id": newID, "status": "requeued"})
}

func (h *outboxAdmin) drop(c echo.Context) error {
	id := c.Param("id")
	if err := h.store.DropDeadLetter(c.Request().Context(), id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"id": id, "status": "dropped"})
}
