package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/settings"
	"github.com/hookdev/hook/internal/verify"
)

// syncBuffer is a bytes.Buffer the server's goroutines may write while the
// test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a "hook serve" running in-process via run.
type served struct {
	url            string // http://127.0.0.1:PORT
	stdout, stderr *syncBuffer
	stop           func() error // cancels run's context and returns its error
}

var listeningRE = regexp.MustCompile(`hook listening on (\S+)`)

// startServe runs run(ctx, "serve") on a free port with env (HOOK_LISTEN
// defaults to 127.0.0.1:0) and waits until it listens.
func startServe(t *testing.T, env map[string]string) *served {
	t.Helper()
	return startServeWith(t, env, nil)
}

// startServeWith is startServe with hooks (serveHooks): the server on a
// test's clock, or watched. nil hooks: through run, as main runs it.
func startServeWith(t *testing.T, env map[string]string, hooks *serveHooks) *served {
	t.Helper()
	if _, ok := env["HOOK_LISTEN"]; !ok {
		env["HOOK_LISTEN"] = "127.0.0.1:0"
	}
	s := &served{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	getenv := func(k string) string { return env[k] }
	go func() {
		if hooks != nil {
			cfg, err := settings.ParseServe(nil, getenv, handler.DefaultReplayWindow)
			if err != nil {
				done <- err
				return
			}
			done <- serve(ctx, cfg, getenv, s.stdout, s.stderr, *hooks)
			return
		}
		done <- run(ctx, []string{"serve"}, getenv, strings.NewReader(""), s.stdout, s.stderr)
	}()
	var once sync.Once
	var runErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(20 * time.Second):
				runErr = errors.New("serve did not stop within 20s")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = s.stop() })
	waitFor(t, 10*time.Second, "the listening line", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nstderr:\n%s", err, s.stderr)
		default:
		}
		if m := listeningRE.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = "http://" + m[1]
			return true
		}
		return false
	})
	return s
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uploadError is a callback body that pages at once under the example rules
// (recording-upload-error, deduplicated per task): a cloud recording's upload
// failed, sent now.
func uploadError(room int, task string) []byte {
	now := time.Now()
	return fmt.Appendf(nil, `{"EventGroupId":3,"EventType":308,"CallbackTs":%d,"EventInfo":{"RoomId":%d,"EventTs":%d,"EventMsTs":%d,"UserId":"recorder","TaskId":%q,"Payload":{"Code":"UploadFailed","Message":"cos unreachable"}}}`,
		now.UnixMilli(), room, now.Unix(), now.UnixMilli(), task)
}

// post sends body to base's /callback signed with key and returns the status.
func post(t *testing.T, base, app, key string, body []byte) int {
	t.Helper()
	code, _ := postBody(t, base, app, key, body)
	return code
}

// postBody is post that also returns the answer's body.
func postBody(t *testing.T, base, app, key string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/callback", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("SdkAppId", app)
	req.Header.Set("Sign", verify.Sign([]byte(key), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post callback: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// metricValue finds one sample in a Prometheus text exposition; labels must
// be written as exposed (sorted by name). Missing: -1.
func metricValue(exposition, name, labels string) float64 {
	prefix := name
	if labels != "" {
		prefix += "{" + labels + "}"
	}
	for line := range strings.Lines(exposition) {
		if rest, ok := strings.CutPrefix(line, prefix+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
