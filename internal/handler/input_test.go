package handler

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

// TestCallbackAppID: only the canonical spelling of an SdkAppId is accepted, so a
// captured body cannot page again under 01400000001 or +1400000001; and whatever
// the header holds, the log gets a bounded, escaped copy of it.
func TestCallbackAppID(t *testing.T) {
	cat := catalogtest.New(t)
	for _, tt := range []struct {
		name, app string
		status    int
	}{
		{"canonical", vectorApp, 200},
		{"leading zero", "0" + vectorApp, 401},
		{"plus sign", "+" + vectorApp, 401},
		{"decimal point", vectorApp + ".0", 401},
		{"prefix", "x" + vectorApp, 401},
		{"a megabyte", strings.Repeat("<", 1<<20), 401},
		{"forged log line", vectorApp + "\nlevel=ERROR msg=forged", 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			r := &fakeRouter{}
			h := New(Config{}, Deps{Router: r, Catalog: cat, Store: fakePinger{},
				// Debug: the canonical case is routine, logged at debug.
				Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: func() time.Time { return vectorTime }})
			req := httptest.NewRequest(http.MethodPost, "/callback", strings.NewReader(vectorBody))
			req.Header["Sdkappid"] = []string{tt.app} // as sent, unvalidated by net/http
			req.Header.Set("Sign", vectorSign)
			rec := serve(h, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 && !strings.Contains(rec.Body.String(), "SdkAppId must be a decimal number like 1400000001") {
				t.Errorf("response %s does not say what an SdkAppId is", rec.Body)
			}
			if len(r.handled) != map[bool]int{true: 1}[tt.status == 200] {
				t.Errorf("%d callbacks handled", len(r.handled))
			}
			if logs.Len() > 1024 || strings.Count(logs.String(), "\n") != 1 {
				t.Errorf("log for this callback is %d bytes, %d lines", logs.Len(), strings.Count(logs.String(), "\n"))
			}
		})
	}
}

// TestCallbackRefusesMalformed: signed bodies that are not a usable callback get
// 400 with the decoder's reason.
func TestCallbackRefusesMalformed(t *testing.T) {
	const ts = `"CallbackTs":1664209748188`
	for _, tt := range []struct{ name, body, message string }{
		{"empty group", `{"EventGroupId":"","EventType":104,` + ts + `}`, "must be integers"},
		{"empty type", `{"EventGroupId":1,"EventType":"",` + ts + `}`, "must be integers"},
		{"type of another group", `{"EventGroupId":9,"EventType":301,` + ts + `}`, "EventType 301 does not belong to EventGroupId 9"},
		{"duplicate key", `{"EventGroupId":3,"EventType":301,` + ts + `,"EventInfo":{"Payload":{"Status":0,"status":1}}}`, `duplicate key \"status\"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeRouter{}
			h := newTestHandler(t, r, vectorTime)
			rec := serve(h, vectorSigned(tt.body))
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tt.message) {
				t.Fatalf("%d %s, want 400 saying %s", rec.Code, rec.Body, tt.message)
			}
			if len(r.handled) != 0 {
				t.Error("a refused callback was handled")
			}
		})
	}
}
