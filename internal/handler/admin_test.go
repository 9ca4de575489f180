package handler

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
)

func newAdminServer(t *testing.T, token string) http.Handler {
	t.Helper()
	rdb, _ := redistest.Mini(t)
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	cat, rs := exampleRules(t)
	return New(Config{AdminToken: token}, Deps{Log: slog.New(slog.DiscardHandler), Now: now, Silences: newSilences(rdb),
		Catalog: cat, Rules: fakeRules{rs}})
}

func TestAdminAPI(t *testing.T) {
	on := newAdminServer(t, "s3cret")
	off := newAdminServer(t, "")
	good := `{"matchers":{"room":"8489"},"author":"alice","comment":"known bad","duration":"1h"}`
	for _, tc := range []struct {
		name, method, path, token, body string
		h                               http.Handler
		status                          int
		want                            string
	}{
		{"off without token", http.MethodGet, "/api/v1/silences", "s3cret", "", off, http.StatusNotFound, ""},
		{"no token", http.MethodGet, "/api/v1/silences", "", "", on, http.StatusUnauthorized, "bearer token"},
		{"wrong token", http.MethodGet, "/api/v1/silences", "nope", "", on, http.StatusUnauthorized, "bearer token"},
		{"add", http.MethodPost, "/api/v1/silences", "s3cret", good, on, http.StatusCreated, `"ends_at":"2026-03-01T13:00:00Z"`},
		{"list", http.MethodGet, "/api/v1/silences", "s3cret", "", on, http.StatusOK, `"author":"alice"`},
		{"invalid", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"rooom":"1"},"author":"a","comment":"c","duration":"1h"}`, on, http.StatusBadRequest, `did you mean \"room\"?`},
		{"unknown field", http.MethodPost, "/api/v1/silences", "s3cret", `{"matcher":{}}`, on, http.StatusBadRequest, "unknown field"},
		{"expire unknown", http.MethodDelete, "/api/v1/silences/nope", "s3cret", "", on, http.StatusNotFound, "silence not found"},
		{"event number becomes its name", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"event":"308"},"author":"a","comment":"c","duration":"1h"}`, on, http.StatusCreated, `"event":"recording.upload_error"`},
		{"reason with its prefix becomes the short name", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"reason":"reason.timeout"},"author":"a","comment":"c","duration":"1h"}`, on, http.StatusCreated, `"reason":"timeout"`},
		{"unknown event", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"event":"room.exitt"},"author":"a","comment":"c","duration":"1h"}`, on, http.StatusBadRequest, `unknown event \"room.exitt\", did you mean \"room.exit\"?`},
		{"reason number", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"reason":"2"},"author":"a","comment":"c","duration":"1h"}`, on, http.StatusBadRequest, "use a name"},
		{"severity typo", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"severity":"critcal"},"author":"a","comment":"c","duration":"1h"}`, on, http.StatusBadRequest, `unknown severity \"critcal\"`},
		{"no such rule", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"rule":"live-anchor-gon"},"author":"a","comment":"c","duration":"1h"}`, on, http.StatusBadRequest, `did you mean \"live-anchor-gone\"?`},
		{"bad duration", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"room":"1"},"author":"a","comment":"c","duration":"bogus"}`, on, http.StatusBadRequest, `duration \"bogus\": give a duration from 1m`},
		{"too short", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"room":"1"},"author":"a","comment":"c","duration":"1ns"}`, on, http.StatusBadRequest, "from 1m"},
		{"no end", http.MethodPost, "/api/v1/silences", "s3cret", `{"matchers":{"room":"1"},"author":"a","comment":"c"}`, on, http.StatusBadRequest, "say when the silence ends"},
		{"too large", http.MethodPost, "/api/v1/silences", "s3cret", `{"comment":"` + strings.Repeat("x", 70<<10) + `"}`, on, http.StatusRequestEntityTooLarge, "64 KiB"},
		{"trailing JSON", http.MethodPost, "/api/v1/silences", "s3cret", good + `{"y":1}`, on, http.StatusBadRequest, "nothing after it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%s %s: %d %s; want %d containing %q", tc.method, tc.path, rec.Code, rec.Body, tc.status, tc.want)
			}
		})
	}
}
