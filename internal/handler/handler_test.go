package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/verify"
)

// The official known-answer vector from TRTC's signature documentation.
const (
	vectorKey  = "123654"
	vectorBody = "{\n\t\"EventGroupId\":\t2,\n\t\"EventType\":\t204,\n\t\"CallbackTs\":\t1664209748188,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t8489,\n\t\t\"EventTs\":\t1664209748,\n\t\t\"EventMsTs\":\t1664209748180,\n\t\t\"UserId\":\t\"user_85034614\",\n\t\t\"Reason\":\t0\n\t}\n}"
	vectorSign = "kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA="
	vectorApp  = "1400000001"
)

// vectorTime is when the vector was sent; the handler's clock is pinned near it.
var vectorTime = time.UnixMilli(1664209748188)

// fakeRouter knows one app's key and records what it was asked to handle.
type fakeRouter struct {
	err     error
	handled []callback.Event
}

func (f *fakeRouter) Key(app string) ([]byte, bool) {
	if app == vectorApp {
		return []byte(vectorKey), true
	}
	return nil, false
}

func (f *fakeRouter) Handle(_ context.Context, ev callback.Event) (engine.Result, error) {
	f.handled = append(f.handled, ev)
	return engine.Result{}, f.err
}

// callbackRequest is a POST /callback of body from app with signature sign,
// as TRTC sends one.
func callbackRequest(app, sign, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/callback", strings.NewReader(body))
	req.Header.Set("SdkAppId", app)
	req.Header.Set("Sign", sign)
	return req
}

// vectorSigned is body sent by vectorApp, signed with its key.
func vectorSigned(body string) *http.Request {
	return callbackRequest(vectorApp, verify.Sign([]byte(vectorKey), []byte(body)), body)
}

// serve runs req through h and returns the response.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func newTestHandler(t *testing.T, r *fakeRouter, now time.Time) http.Handler {
	t.Helper()
	return New(Config{}, Deps{
		Router:  r,
		Catalog: catalogtest.New(t),
		Store:   fakePinger{},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:     func() time.Time { return now },
	})
}

func TestCallbackStatus(t *testing.T) {
	signed := func(body string) map[string]string {
		return map[string]string{"SdkAppId": vectorApp, "Sign": verify.Sign([]byte(vectorKey), []byte(body))}
	}
	at := func(ts time.Time) string {
		return fmt.Sprintf(`{"EventGroupId":1,"EventType":104,"CallbackTs":%d,"EventInfo":{"RoomId":1}}`, ts.UnixMilli())
	}
	valid := at(vectorTime)
	tests := []struct {
		name      string
		headers   map[string]string
		body      string
		routerErr error
		status    int
		message   string // substring of the JSON message
	}{
		{"known-answer vector", map[string]string{"SdkAppId": vectorApp, "Sign": vectorSign}, vectorBody, nil, 200, ""},
		{"vector with trailing newline", map[string]string{"SdkAppId": vectorApp, "Sign": vectorSign}, vectorBody + "\n", nil, 401, "signature does not match"},
		{"missing Sign", map[string]string{"SdkAppId": vectorApp}, valid, nil, 401, "missing Sign"},
		{"missing SdkAppId", map[string]string{"Sign": vectorSign}, valid, nil, 401, "missing SdkAppId"},
		{"unknown SdkAppId", map[string]string{"SdkAppId": "999", "Sign": vectorSign}, valid, nil, 401, "unknown SdkAppId"},
		{"wrong signature", map[string]string{"SdkAppId": vectorApp, "Sign": vectorSign}, valid, nil, 401, "signature does not match"},
		{"replayed: 11 minutes old", nil, at(vectorTime.Add(-11 * time.Minute)), nil, 401, "replay window"},
		{"from the future", nil, at(vectorTime.Add(11 * time.Minute)), nil, 401, "replay window"},
		{"9 minutes old is fine", nil, at(vectorTime.Add(-9 * time.Minute)), nil, 200, ""},
		{"not JSON", nil, `{"EventGroupId":`, nil, 400, "not a valid JSON object"},
		{"missing EventGroupId", nil, `{"EventType":104,"CallbackTs":1664209748188}`, nil, 400, "missing EventGroupId"},
		{"missing EventType", nil, `{"EventGroupId":1,"CallbackTs":1664209748188}`, nil, 400, "missing EventType"},
		{"missing CallbackTs", nil, `{"EventGroupId":1,"EventType":104}`, nil, 400, "missing CallbackTs"},
		{"unknown group is accepted", nil, `{"EventGroupId":42,"EventType":4242,"CallbackMsTs":1664209748188}`, nil, 200, ""},
		{"too large", nil, `{"EventGroupId":1,"EventType":104,"CallbackTs":1664209748188,"Pad":"` + strings.Repeat("x", MaxBody) + `"}`, nil, 413, "too large"},
		{"state store down", nil, valid, fmt.Errorf("fire: %w", errors.New("dial tcp: connection refused")), 503, "retry later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeRouter{err: tt.routerErr}
			h := newTestHandler(t, r, vectorTime)
			req := httptest.NewRequest(http.MethodPost, "/callback", strings.NewReader(tt.body))
			headers := tt.headers
			if headers == nil {
				headers = signed(tt.body)
			}
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			rec := serve(h, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if rec.Body.Len() >= 2000 {
				t.Errorf("response is %d bytes; TRTC wants under 2000", rec.Body.Len())
			}
			if tt.status == 200 {
				if rec.Body.String() != `{"code":0}` {
					t.Errorf("body %s, want {\"code\":0}", rec.Body)
				}
				return
			}
			var msg struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &msg); err != nil {
				t.Fatalf("error body is not JSON: %s", rec.Body)
			}
			if msg.Code != tt.status || !strings.Contains(msg.Message, tt.message) {
				t.Errorf("message %+v, want code %d and %q", msg, tt.status, tt.message)
			}
			if strings.Contains(rec.Body.String(), vectorSign) || strings.Contains(rec.Body.String(), vectorKey) {
				t.Errorf("error reveals a signature or key: %s", rec.Body)
			}
			if tt.status < 500 && len(r.handled) != 0 {
				t.Errorf("a rejected callback reached the router")
			}
		})
	}
}
