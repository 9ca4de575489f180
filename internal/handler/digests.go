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

// DigestAdmin is what the admin API needs to list flood digests: the pages
// summarised instead of sent one by one (outbox.Outbox implements it).
type DigestAdmin interface {
	DigestCount(ctx context.Context) (int64, error)
	Digests(ctx context.Context, limit int) ([]alert.DigestRecord, error)
	Digest(ctx context.Context, id string, limit int) (alert.DigestRecord, []alert.DigestedPage, error)
}

// Limits of GET /api/v1/digests?limit=N and GET /api/v1/digests/ID?limit=N.
const (
	defaultDigestLimit     = 50
	maxDigestLimit         = 1000
	defaultDigestPageLimit = 100
	maxDigestPageLimit     = 10000
)

// digestRoutes registers the digest admin API, like the outbox's only when a
// token is set.
func digestRoutes(e *echo.Echo, cfg Config, d Deps) {
	if cfg.AdminToken == "" || d.Digests == nil {
		return
	}
	h := &digestAdmin{store: d.Digests}
	g := e.Group("/api/v1", requireBearer(cfg.AdminToken))
	g.GET("/digests", h.list)
	g.GET("/digests/:id", h.show)
}

type digestAdmin struct {
	store DigestAdmin
}

// DigestJSON is one digest of GET /api/v1/digests.
type DigestJSON struct {
	ID       string    `json:"id"`
	Receiver string    `json:"receiver,omitempty"`
	Channel  string    `json:"channel,omitempty"`
	Pages    int64     `json:"pages"`
	Listed   int64     `json:"listed"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	// Title is the digest's headline as last posted; ByRule its counts then.
	Title  string             `json:"title,omitempty"`
	ByRule []alert.DigestRule `json:"by_rule,omitempty"`
	Final  bool               `json:"final,omitempty"`
	// Message is the Slack message showing it ("channel/ts"), when editable.
	Message      string `json:"message,omitempty"`
	DeadLettered string `json:"dead_lettered,omitempty"`
}

// DigestsJSON is the body of GET /api/v1/digests.
type DigestsJSON struct {
	Digests []DigestJSON `json:"digests"`
}

// DigestedPageJSON is one page of GET /api/v1/digests/ID.
type DigestedPageJSON struct {
	OutboxID   string    `json:"outbox_id"`
	PageID     string    `json:"page_id"`
	Kind       string    `json:"kind,omitempty"`
	Rule       string    `json:"rule,omitempty"`
	Severity   string    `json:"severity,omitempty"`
	App        string    `json:"app,omitempty"`
	Room       string    `json:"room,omitempty"`
	User       string    `json:"user,omitempty"`
	Task       string    `json:"task,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	DigestedAt time.Time `json:"digested_at,omitzero"`
}

// DigestPagesJSON is the body of GET /api/v1/digests/ID.
type DigestPagesJSON struct {
	Digest DigestJSON         `json:"digest"`
	Pages  []DigestedPageJSON `json:"pages"`
}

func (h *digestAdmin) list(c echo.Context) error {
	limit, err := limitParam(c, defaultDigestLimit, maxDigestLimit)
	if err != nil {
		return err
	}
	recs, err := h.store.Digests(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	out := DigestsJSON{Digests: make([]DigestJSON, 0, len(recs))}
	for _, r := range recs {
		out.Digests = append(out.Digests, digestJSON(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *digestAdmin) show(c echo.Context) error {
	limit, err := limitParam(c, defaultDigestPageLimit, maxDigestPageLimit)
	if err != nil {
		return err
	}
	rec, pages, err := h.store.Digest(c.Request().Context(), c.Param("id"), limit)
	if err != nil {
		return err
	}
	out := DigestPagesJSON{Digest: digestJSON(rec), Pages: make([]DigestedPageJSON, 0, len(pages))}
	for _, p := range pages {
		out.Pages = append(out.Pages, DigestedPageJSON{OutboxID: p.OutboxID, PageID: p.PageID, Kind: string(p.Kind),
			Rule: p.Rule, Severity: string(p.Severity), App: p.App, Room: p.Room, User: p.User, Task: p.Task,
			CreatedAt: p.CreatedAt, DigestedAt: p.DigestedAt})
	}
	return c.JSON(http.StatusOK, out)
}

func digestJSON(r alert.DigestRecord) DigestJSON {
	j := DigestJSON{ID: r.ID, Receiver: r.Receiver, Channel: r.Channel, Pages: r.Pages, Listed: r.Listed,
		Since: r.Since, Until: r.Until, Message: r.Message, DeadLettered: r.DeadLettered}
	if r.Shown != nil {
		j.Title = words.Title(*r.Shown)
		if d := r.Shown.Digest; d != nil {
			j.ByRule, j.Final = d.ByRule, d.Final
		}
	}
	return j
}

// limitParam reads ?limit=N, from 1 to most.
func limitParam(c echo.Context, def, most int) (int, error) {
	s := c.QueryParam("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		return 0, invalid("limit must be a number from 1 to " + strconv.Itoa(most))
	}
	return n, nil
}
