package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/engine"
)

// AdminTokenEnv names the environment variable holding the admin API's bearer
// token. Unset, the admin endpoints do not exist (404), so a server nobody
// configured cannot be muted by anyone who finds it.
const AdminTokenEnv = "HOOK_ADMIN_TOKEN"

// SilenceStore keeps silences (silence.Store implements it).
type SilenceStore interface {
	AddSilence(ctx context.Context, s alert.Silence, now time.Time) (alert.Silence, error)
	Silences(ctx context.Context, now time.Time) ([]alert.Silence, error)
	ExpireSilence(ctx context.Context, id string, now time.Time) error
}

// SilenceRequest is the body of POST /api/v1/silences: either ends_at or
// duration ("1h") says when the silence ends.
type SilenceRequest = alert.SilenceRequest

// silencer is the one way a silence is made, whoever asks: the admin API,
// the CLI (which calls the API) and the Slack buttons. It checks the
// silence's shape (alert.NewSilence), then its values against the catalogue
// and the rules now serving, then stores it.
type silencer struct {
	store SilenceStore
	cat   *catalog.Catalog
	rules RulesSource
	now   func() time.Time
}

func (s *silencer) add(ctx context.Context, req alert.SilenceRequest) (alert.Silence, error) {
	if s.store == nil {
		return alert.Silence{}, alert.Errorf(alert.EUNAVAILABLE, "silences are not available on this hook server")
	}
	now := s.now()
	sil, err := alert.NewSilence(req, now)
	if err != nil {
		return alert.Silence{}, err
	}
	if s.rules == nil || s.rules.Ruleset() == nil {
		return alert.Silence{}, errNoRules
	}
	rs := s.rules.Ruleset()
	// A rule renamed by a reload since a page went out must not leave a
	// silence muting nothing.
	if sil, err = engine.NormalizeSilence(rs, s.cat, sil); err != nil {
		return alert.Silence{}, err
	}
	return s.store.AddSilence(ctx, sil, now)
}

type admin struct {
	silences *silencer
	now      func() time.Time
}

// silenceRoutes registers the silences admin API when a token is configured.
func silenceRoutes(e *echo.Echo, cfg Config, d Deps) {
	if cfg.AdminToken == "" || d.Silences == nil || d.Rules == nil {
		return
	}
	a := &admin{silences: newSilencer(d), now: d.Now}
	g := e.Group("/api/v1", requireBearer(cfg.AdminToken))
	g.POST("/silences", a.addSilence)
	g.GET("/silences", a.listSilences)
	g.DELETE("/silences/:id", a.expireSilence)
}

func newSilencer(d Deps) *silencer {
	return &silencer{store: d.Silences, cat: d.Catalog, rules: d.Rules, now: d.Now}
}

func (a *admin) addSilence(c echo.Context) error {
	var req SilenceRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, c.Request().Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return fmt.Errorf("%w: a silence is a small JSON object (64 KiB at most)", errTooLarge)
		}
		return invalid(fmt.Sprintf("bad silence: %v", err))
	}
	if dec.More() {
		return invalid("bad silence: one JSON object, nothing after it")
	}
	s, err := a.silences.add(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s)
}

func (a *admin) listSilences(c echo.Context) error {
	ss, err := a.silences.store.Silences(c.Request().Context(), a.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"silences": ss})
}

func (a *admin) expireSilence(c echo.Context) error {
	if err := a.silences.store.ExpireSilence(c.Request().Context(), c.Param("id"), a.now()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "expired", "id": c.Param("id")})
}
