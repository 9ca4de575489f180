package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.Error(w, `{"status":"unavailable","reason":"rules not loaded"}`, http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--url", srv.URL + "/healthz"}, 0, ""},
		{[]string{"--url", srv.URL + "/readyz"}, 1, "answered 503"},
		{[]string{"--url", "http://127.0.0.1:1/healthz"}, 1, "connection refused"},
		{[]string{"--url", "::not a url"}, 2, "bad --url"},
		{[]string{"extra"}, 2, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"health"}, tc.args...), func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
			if got := exitCode(err); got != tc.code {
				t.Fatalf("exit code %d, want %d (%v)", got, tc.code, err)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to say %q", err, tc.msg)
			}
		})
	}
}
