package handler

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
)

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"1400000001", 64, "1400000001"},
		{"room\n[ERROR] forged", 64, `room\n[ERROR] forged`},
		{"\x1b[2J\u2028é", 64, `\x1b[2J\u2028é`},
		{"\xff\xfe", 64, `\xff\xfe`},
		{"\uFFFD ok", 64, "\uFFFD ok"},
		{strings.Repeat("a", 100), 10, "aaaaaaaaaa…(100 bytes)"},
		{strings.Repeat("\n", 100), 10, `\n\n\n\n\n…(100 bytes)`},
	}
	for _, tt := range tests {
		if got := clip(tt.in, tt.max); got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestHugeHeaderLogsABoundedLine: anyone can send a megabyte of SdkAppId
// before any signature is checked; the callback's log line stays under a
// kilobyte, the response too, and neither takes a line break from it.
func TestHugeHeaderLogsABoundedLine(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			if format == "json" {
				log = slog.New(slog.NewJSONHandler(&logs, nil))
			}
			cat := catalogtest.New(t)
			h := New(Config{}, Deps{Router: &fakeRouter{}, Catalog: cat, Store: fakePinger{}, Log: log,
				Now: func() time.Time { return vectorTime }})
			app := strings.Repeat("1400000001\n[ERROR] forged ", 1<<20/25)
			rec := serve(h, callbackRequest(app, vectorSign, vectorBody))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", rec.Code)
			}
			if n := rec.Body.Len(); n > 1024 {
				t.Errorf("response is %d bytes", n)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1:\n%.2000s", len(lines), logs.String())
			}
			if n := len(lines[0]); n > 1024 {
				t.Errorf("log line is %d bytes, want under 1 KB:\n%.2000s", n, lines[0])
			}
			if !strings.Contains(lines[0], "bytes)") {
				t.Errorf("the cut is not marked:\n%s", lines[0])
			}
			t.Logf("%d-byte header, %d-byte log line", len(app), len(lines[0]))
		})
	}
}

// TestClientTextInTheCallbackLineIsBounded: a verified callback's room and
// user are client text; the log line bounds them too.
func TestClientTextInTheCallbackLineIsBounded(t *testing.T) {
	var logs bytes.Buffer
	cat := catalogtest.New(t)
	h := New(Config{}, Deps{Router: &fakeRouter{}, Catalog: cat, Store: fakePinger{},
		Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return vectorTime }})
	room := strings.Repeat("r\n", 50000)
	body := `{"EventGroupId":1,"EventType":104,"CallbackTs":1664209748188,"EventInfo":{"RoomId":"` +
		strings.ReplaceAll(room, "\n", `\n`) + `","UserId":"` + strings.Repeat("u", 50000) + `"}}`
	rec := serve(h, vectorSigned(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	line := strings.TrimSpace(logs.String())
	if strings.Count(line, "\n") != 0 || len(line) > 1024 {
		t.Errorf("log line of %d bytes, %d line breaks:\n%.2000s", len(line), strings.Count(line, "\n"), line)
	}
}

// Routine callbacks, and those the rules only absorbed, are logged at debug;
// refusals and callbacks that changed what people see at info or above.
func TestLogLevel(t *testing.T) {
	outcome := func(v alert.Verdict) engine.Outcome { return engine.Outcome{Rule: "r", Verdict: v, Fired: v.Fired()} }
	for _, tc := range []struct {
		name string
		res  engine.Result
		err  error
		want slog.Level
	}{
		{"no rule matched", engine.Result{}, nil, slog.LevelDebug},
		{"clears that found nothing", engine.Result{Outcomes: []engine.Outcome{
			{Rule: "r", Clear: true, Verdict: alert.VerdictIgnored}, {Rule: "s", Clear: true, Verdict: alert.VerdictIgnored}}}, nil, slog.LevelDebug},
		{"counted", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictCounted)}}, nil, slog.LevelDebug},
		{"waiting", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictPending)}}, nil, slog.LevelDebug},
		{"duplicate", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictDuplicate)}}, nil, slog.LevelInfo},
		{"paged", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictPaged)}}, nil, slog.LevelInfo},
		{"paged among others", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictCounted), outcome(alert.VerdictPaged)}}, nil, slog.LevelInfo},
		{"grouped", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictGrouped)}}, nil, slog.LevelInfo},
		{"a wait cleared", engine.Result{Outcomes: []engine.Outcome{{Rule: "r", Clear: true, Verdict: alert.VerdictCleared}}}, nil, slog.LevelInfo},
		{"resolved", engine.Result{Outcomes: []engine.Outcome{{Rule: "r", Clear: true, Verdict: alert.VerdictResolved}}}, nil, slog.LevelInfo},
		{"silenced", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictSilenced)}}, nil, slog.LevelInfo},
		{"inhibited", engine.Result{Outcomes: []engine.Outcome{outcome(alert.VerdictInhibited)}}, nil, slog.LevelInfo},
		{"refused", engine.Result{}, errReplay, slog.LevelInfo},
		{"redis down", engine.Result{}, alert.Wrap(alert.EUNAVAILABLE, "unavailable", errors.New("down")), slog.LevelError},
	} {
		if got := logLevel(tc.res, tc.err); got != tc.want {
			t.Errorf("%s: level %v, want %v", tc.name, got, tc.want)
		}
	}
}
