package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMetricsAfterEndToEnd runs the real server, sends callbacks that page,
// repeat, and fail verification, then scrapes /metrics: every family moved.
func TestMetricsAfterEndToEnd(t *testing.T) {
	t.Parallel()
	const key = "e2e-metrics-key"
	s := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": key})

	body := uploadError(8489, "task-42")
	for i, want := range []int{http.StatusOK, http.StatusOK} { // a page, then its duplicate
		if got := post(t, s.url, "1400000001", key, body); got != want {
			t.Fatalf("callback %d: status %d, want %d", i, got, want)
		}
	}
	if got := post(t, s.url, "1400000001", "wrong-key", body); got != http.StatusUnauthorized {
		t.Fatalf("badly signed callback: status %d, want 401", got)
	}
	waitFor(t, 10*time.Second, "the page on the console", func() bool { return strings.Contains(s.stdout.String(), "task-42") })

	var text string
	waitFor(t, 10*time.Second, "hook_pages_total to count the delivery", func() bool {
		var status int
		status, text = get(t, s.url+"/metrics")
		if status != http.StatusOK {
			t.Fatalf("/metrics: status %d", status)
		}
		return metricValue(text, "hook_pages_total", `outcome="delivered",receiver="oncall"`) == 1
	})
	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"hook_callbacks_total", `group="recording",outcome="paged",type="recording.upload_error"`, 1},
		{"hook_callbacks_total", `group="recording",outcome="duplicate",type="recording.upload_error"`, 1},
		{"hook_callbacks_total", `group="unknown",outcome="bad_signature",type="unknown"`, 1},
		{"hook_callback_duration_seconds_count", "", 3},
		{"hook_signature_failures_total", `reason="bad_signature"`, 1},
		{"hook_rule_matches_total", `rule="recording-upload-error"`, 2},
		{"hook_dedup_hits_total", `rule="recording-upload-error"`, 1},
		{"hook_pages_total", `outcome="delivered",receiver="oncall"`, 1},
		{"hook_outbox_depth", "", 0},
		{"hook_outbox_oldest_age_seconds", "", 0},
		{"hook_dead_letter_depth", "", 0},
		{"hook_silenced_total", "", 0},
	} {
		if got := metricValue(text, c.name, c.labels); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_start_time_seconds"} {
		if metricValue(text, name, "") < 0 {
			t.Errorf("%s missing from /metrics", name)
		}
	}
	if strings.Contains(text, "hook_redis_errors_total") {
		t.Errorf("Redis errors counted on a healthy run:\n%s", grepLines(text, "hook_redis_errors_total"))
	}

	if status, body := get(t, s.url+"/readyz"); status != http.StatusOK || !strings.Contains(body, `"ready"`) {
		t.Errorf("/readyz = %d %s, want 200 ready", status, body)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
}

func grepLines(text, substr string) string {
	var b strings.Builder
	for line := range strings.Lines(text) {
		if strings.Contains(line, substr) {
			b.WriteString(line)
		}
	}
	return b.String()
}
