package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The real hook, built once from ../cmd/hook and started once for the tests
// that need it; TestMain removes what it leaves behind.
var (
	hookOnce    sync.Once
	hookBinErr  error
	hookBinPath string
	hookWorkDir string

	scrapeOnce sync.Once
	scraped    map[string]family
	scrapeErr  error
	stopHook   = func() {}
	hookLog    = &syncWriter{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopHook()
	if hookWorkDir != "" {
		os.RemoveAll(hookWorkDir)
	}
	os.Exit(code)
}

// hookBinary builds ../cmd/hook into a temporary directory (once).
func hookBinary(t *testing.T) string {
	t.Helper()
	hookOnce.Do(func() {
		hookWorkDir, hookBinErr = os.MkdirTemp("", "hook-deploy-test-")
		if hookBinErr != nil {
			return
		}
		hookBinPath = filepath.Join(hookWorkDir, "hook")
		cmd := exec.Command("go", "build", "-o", hookBinPath, "./cmd/hook")
		cmd.Dir = ".." // hook's own module, at the repository root
		cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			hookBinErr = fmt.Errorf("go build ./cmd/hook: %w\n%s", err, out)
		}
	})
	if hookBinErr != nil {
		t.Fatal(hookBinErr)
	}
	return hookBinPath
}

// exportedMetrics returns every metric family a running hook exports, with
// the label names of each. hook registers a labelled metric only once it has
// a first value, so the run exercises every path that creates one: a paged
// callback and its duplicate, an unsigned callback, a page Slack refuses for
// good (a dead letter), and a Redis that fails for a while.
func exportedMetrics(t *testing.T) map[string]family {
	t.Helper()
	bin := hookBinary(t)
	scrapeOnce.Do(func() { scraped, scrapeErr = runAndScrape(bin) })
	if scrapeErr != nil {
		t.Fatalf("%v\nhook's log:\n%s", scrapeErr, hookLog.String())
	}
	return scraped
}

const testCallbackKey = "deploytestkey42"

func runAndScrape(bin string) (map[string]family, error) {
	mr, err := miniredis.Run()
	if err != nil {
		return nil, err
	}
	// Slack that refuses every message for good: pages become dead letters.
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
	}))
	rulesDir := filepath.Join(hookWorkDir, "rules")
	if err := os.MkdirAll(rulesDir, 0o755); err != nil {
		return nil, err
	}
	example, err := os.ReadFile("../rules.example.yaml")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(rulesDir, "rules.yaml"), example, 0o644); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	stopHook = func() {
		cancel()
		if cmd.Process != nil {
			_ = cmd.Wait()
		}
		slack.Close()
		mr.Close()
	}
	cmd.Env = []string{
		"HOOK_LISTEN=127.0.0.1:0",
		"HOOK_RULES=" + filepath.Join(rulesDir, "rules.yaml"),
		"HOOK_REDIS_URL=redis://" + mr.Addr() + "/0",
		"HOOK_CONSUMER=deploy-test",
		"HOOK_LOG_FORMAT=json",
		"TRTC_CALLBACK_KEY=" + testCallbackKey,
		"SLACK_BOT_TOKEN=xoxb-deploy-test",
		"SLACK_API_URL=" + slack.URL,
	}
	cmd.Stderr = hookLog
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr, err := listenAddr(stdout)
	if err != nil {
		return nil, err
	}
	return exercise("http://"+addr, bin, mr)
}

// listenAddr reads hook's "hook listening on ADDR" line, then keeps draining
// stdout (the fallback console prints pages there).
func listenAddr(stdout io.Reader) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "hook listening on "); ok {
				select {
				case found <- a:
				default:
				}
			}
		}
		close(found)
	}()
	select {
	case a, ok := <-found:
		if !ok {
			return "", errors.New("hook exited before listening")
		}
		return a, nil
	case <-time.After(time.Minute):
		return "", errors.New("hook did not say where it listens within a minute")
	}
}

func exercise(base, bin string, mr *miniredis.Miniredis) (map[string]family, error) {
	fams := map[string]family{}
	scrape := func() error {
		got, err := scrapeMetrics(base + "/metrics")
		for name, f := range got {
			if old, ok := fams[name]; ok {
				for l := range old.labels {
					f.labels[l] = true
				}
			}
			fams[name] = f
		}
		return err
	}
	if err := waitFor("/readyz to answer 200", func() (bool, error) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}); err != nil {
		return nil, err
	}

	body := uploadErrorCallback(time.Now())
	sign, err := hookSign(bin, body)
	if err != nil {
		return nil, err
	}
	for i, want := range []int{http.StatusOK, http.StatusOK} { // paged, then a duplicate
		if err := postCallback(base, body, sign, want); err != nil {
			return nil, fmt.Errorf("callback %d: %w", i+1, err)
		}
	}
	if err := postCallback(base, body, "", http.StatusUnauthorized); err != nil {
		return nil, fmt.Errorf("unsigned callback: %w", err)
	}
	if err := waitFor("the refused page to be dead-lettered", func() (bool, error) {
		err := scrape()
		_, ok := fams["hook_dead_letters_total"]
		return ok, err
	}); err != nil {
		return nil, err
	}

	// Redis fails: callbacks are refused with 503 and the errors are counted.
	mr.SetError("ERR deploy test: injected failure")
	failing := uploadErrorCallback(time.Now().Add(time.Second))
	if sign, err = hookSign(bin, failing); err != nil {
		return nil, err
	}
	if err := postCallback(base, failing, sign, http.StatusServiceUnavailable); err != nil {
		return nil, fmt.Errorf("callback while Redis fails: %w", err)
	}
	err = waitFor("hook_redis_errors_total", func() (bool, error) {
		err := scrape()
		_, ok := fams["hook_redis_errors_total"]
		return ok, err
	})
	mr.SetError("")
	if err != nil {
		return nil, err
	}
	return fams, scrape()
}

// uploadErrorCallback is a recording upload error (event 308), which the
// example rules page at once.
func uploadErrorCallback(now time.Time) []byte {
	body, _ := json.Marshal(map[string]any{
		"EventGroupId": 3, "EventType": 308, "CallbackTs": now.UnixMilli(),
		"EventInfo": map[string]any{"RoomId": 8489, "UserId": "recorder_t1", "TaskId": "deploy-test-task",
			"EventTs": now.Unix(), "EventMsTs": now.UnixMilli(),
			"Payload": map[string]any{"Code": "InternalError", "Message": "upload to VOD failed"}},
	})
	return body
}

// hookSign asks the binary itself for the Sign header value.
func hookSign(bin string, body []byte) (string, error) {
	cmd := exec.Command(bin, "sign", "--key", testCallbackKey)
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hook sign: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func postCallback(base string, body []byte, sign string, want int) error {
	req, err := http.NewRequest(http.MethodPost, base+"/callback", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("SdkAppId", "1400000001")
	if sign != "" {
		req.Header.Set("Sign", sign)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("hook answered %d %s, want %d", resp.StatusCode, answer, want)
	}
	return nil
}

// scrapeMetrics parses one /metrics answer with Prometheus' own text parser.
func scrapeMetrics(url string) (map[string]family, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse /metrics: %w", err)
	}
	out := make(map[string]family, len(families))
	for name, f := range families {
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		out[name] = family{typ: f.GetType(), labels: labels}
	}
	return out, nil
}

// family is what a scrape says about one metric family.
type family struct {
	typ    dto.MetricType
	labels map[string]bool
}

// waitFor polls cond until it holds; the deadline only bounds a broken run.
func waitFor(what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(time.Minute)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("waited a minute for %s (last error: %v)", what, last)
}

// syncWriter collects hook's log, written by the process and read by tests.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
