package main

import (
	"net/http"
	"regexp"
	"testing"
)

var pprofAddrRE = regexp.MustCompile(`msg="Go profiler listening: keep this address private" addr=(\S+)`)

// HOOK_PPROF_LISTEN serves Go's profiler on a listener of its own; the
// callback port never serves it, and a bad address stops hook at start.
func TestPprofListener(t *testing.T) {
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "k", "HOOK_PPROF_LISTEN": "127.0.0.1:0"})
	m := pprofAddrRE.FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no profiler address logged:\n%s", s.stderr)
	}
	get := func(url string) int {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("http://" + m[1] + "/debug/pprof/allocs"); code != http.StatusOK {
		t.Errorf("profiler: %d, want 200", code)
	}
	if code := get(s.url + "/debug/pprof/allocs"); code != http.StatusNotFound {
		t.Errorf("the callback port serves the profiler: %d, want 404", code)
	}

	var stderr syncBuffer
	err := run(t.Context(), []string{"serve"}, func(k string) string {
		return map[string]string{"TRTC_CALLBACK_KEY": "k", "HOOK_LISTEN": "127.0.0.1:0", "HOOK_PPROF_LISTEN": "nonsense:address:1"}[k]
	}, nil, &syncBuffer{}, &stderr)
	if err == nil || !regexp.MustCompile(`HOOK_PPROF_LISTEN`).MatchString(err.Error()) {
		t.Errorf("a bad HOOK_PPROF_LISTEN: %v, want an error naming it", err)
	}
}
