package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/rules"
)

// AdminTokenEnv names the environment variable holding the admin API's bearer
// token. Unset, the admin endpoints do not exist (404), so a server nobody
// configured cannot be muted by anyone who finds it.
const AdminTokenEnv = "HOOK_ADMIN_TOKEN"

// SilenceStore keeps silences (store.Redis implements it).
type SilenceStore interface {
	AddSilence(ctx context.Context, s rules.Silence, now time.Time) (rules.Silence, error)
	Silences(ctx context.Context, now time.Time) ([]rules.Silence, error)
	ExpireSilence(ctx context.Context, id string, now time.Time) error
}

// SilenceRequest is the body of POST /api/v1/silences: either ends_at or
// duration ("1h") says when the silence ends.
type SilenceRequest struct {
	Matchers map[string]string `json:"matchers"`
	Author   string            `json:"author"`
	Comment  string            `json:"comment"`
	EndsAt   time.Time         `json:"ends_at"`
	Duration string            `json:"duration"`
}

type admin struct {
	silences SilenceStore
	cat      *catalog.Catalog
	rules    RulesSource
	now      func() time.Time
}

// silenceRoutes registers the silences admin API when a token is configured.
func silenceRoutes(e *echo.Echo, cfg Config, d Deps) {
	if cfg.AdminToken == "" || d.Silences == nil || d.Rules == nil {
		return
	}
	a := &admin{silences: d.Silences, cat: d.Catalog, rules: d.Rules, now: d.Now}
	g := e.Group("/api/v1", requireBearer(cfg.AdminToken))
	g.POST("/silences", a.addSilence)
	g.GET("/silences", a.listSilences)
	g.DELETE("/silences/:id", a.expireSilence)
}

func (a *admin) addSilence(c echo.Context) error {
	var req SilenceRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, c.Request().Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return fmt.Errorf("%w: a silence is a small JSON object (64 KiB at most)", errTooLarge)
		}
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("bad silence: %v", err))
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "bad silence: one JSON object, nothing after it")
	}
	now := a.now()
	ends := req.EndsAt
	if req.Duration == "" && ends.IsZero() {
		return echo.NewHTTPError(http.StatusBadRequest, "say when the silence ends: duration (like \"1h\") or ends_at")
	}
	if req.Duration != "" {
		if !ends.IsZero() {
			return echo.NewHTTPError(http.StatusBadRequest, "give duration (like \"1h\") or ends_at, not both")
		}
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d < time.Minute || d > rules.MaxSilence {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("duration %q: give a duration from 1m to %s, like \"1h\"", req.Duration, rules.MaxSilence))
		}
		ends = now.Add(d)
	}
	rs := a.rules.Ruleset()
	if rs == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "no rules loaded yet")
	}
	sil, err := rs.NormalizeSilence(a.cat, rules.Silence{
		Matchers: req.Matchers, Author: req.Author, Comment: req.Comment, EndsAt: ends,
	})
	if err != nil {
		return err
	}
	s, err := a.silences.AddSilence(c.Request().Context(), sil, now)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s)
}

func (a *admin) listSilences(c echo.Context) error {
	ss, err := a.silences.Silences(c.Request().Context(), a.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"silences": ss})
}

func (a *admin) expireSilence(c echo.Context) error {
	if err := a.silences.ExpireSilence(c.Request().Context(), c.Param("id"), a.now()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "expired", "id": c.Param("id")})
}
