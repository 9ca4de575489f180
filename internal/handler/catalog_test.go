package handler

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

func newCatalogServer(t *testing.T) *echo.Echo {
	t.Helper()
	cat := catalogtest.New(t)
	e := echo.New()
	catalogRoutes(e, cat)
	return e
}

func get(e *echo.Echo, target string) *httptest.ResponseRecorder {
	return call(e, http.MethodGet, target, "")
}

func TestCatalogDecodeRoute(t *testing.T) {
	e := newCatalogServer(t)
	tests := []struct {
		target string
		status int
		want   []string // substrings of the JSON body
	}{
		{"/catalog/sdk/4013?p1=12&p2=1", http.StatusOK, []string{`"text":"(Hardware) decoding failed"`,
			`"params":[{"name":"Number of frames failed to be decoded (3s)","value":12}]`, `"known":true`, `"fallback":false`}},
		{"/catalog/sdk/4003?p1=1280&p2=720", http.StatusOK, []string{`{"name":"Resolution width","value":1280},{"name":"Resolution height","value":720}`}},
		{"/catalog/sdk/6001?p1=101&p2=0", http.StatusOK, []string{`"text":"(Qos: cloud control mode - smoothness preferred) video call"`}},
		{"/catalog/sdk/1001?p1=0", http.StatusOK, []string{`"text":"The user unplugged wired earphone"`, `"param2":-1`}},
		{"/catalog/dismissal/1001", http.StatusOK, []string{`"text":"Failed to initialize audio device"`}},
		{"/catalog/sdk/1003?p1=9", http.StatusOK, []string{`"text":"Network type changed"`, `"fallback":true`}},
		{"/catalog/realtime/2001", http.StatusOK, []string{`"table":"realtime"`, `"id":2001`}},
		{"/catalog/callback/104", http.StatusOK, []string{`"name":"room.exit"`, `"const":"EVENT_TYPE_EXIT_ROOM"`, `"name":"room"`, `"name":"reason.timeout"`}},
		{"/catalog/sdk/9999", http.StatusNotFound, []string{`{"code":404,"message":"unknown sdk id 9999"}`}},
		{"/catalog/experience/6", http.StatusNotFound, []string{`"message":"unknown experience id 6"`}},
		{"/catalog/callback/999", http.StatusNotFound, []string{`"message":"unknown event 999"`}},
		{"/catalog/nope/1", http.StatusNotFound, []string{`"message":"unknown table \"nope\""`}},
		{"/catalog/sdk/abc", http.StatusBadRequest, []string{`"message":"id \"abc\" is not a number"`}},
		{"/catalog/sdk/4013?p1=x", http.StatusBadRequest, []string{`"message":"p1 \"x\" is not a number"`}},
		{"/catalog/sdk/4013?p1=1&p2=1.5", http.StatusBadRequest, []string{`p2 \"1.5\" is not a number`}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := get(e, tt.target)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if ct := rec.Header().Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range tt.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("body lacks %s:\n%s", w, rec.Body)
				}
			}
		})
	}
}

func TestCatalogListRoute(t *testing.T) {
	e := newCatalogServer(t)
	rec := get(e, "/catalog")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	var listing catalog.Listing
	if err := json.Unmarshal(rec.Body.Bytes(), &listing); err != nil {
		t.Fatal(err)
	}
	want := map[catalog.Table]int{catalog.SDK: 83, catalog.WebRTC: 27, catalog.Experience: 5, catalog.Dismissal: 32, catalog.Realtime: 26}
	for table, n := range want {
		if len(listing.Tables[table]) != n {
			t.Errorf("%s: %d rows, want %d", table, len(listing.Tables[table]), n)
		}
	}
	if len(listing.Callback) == 0 || listing.Callback[0].Name != "room" {
		t.Errorf("callback codes: %v", listing.Callback)
	}
}
