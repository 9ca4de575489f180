package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/keyspace"
	outboxpkg "github.com/hookdev/hook/internal/outbox"

	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/settings"
	"github.com/hookdev/hook/internal/verify"
)

// binary is the hook executable, built once for the package's tests.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	if os.Getenv(asHookEnv) != "" { // this binary, run by TestDocCommands as hook
		os.Exit(runAsHook())
	}
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

func hookBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "hook-bin-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "hook")
		out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// process is the built binary running "hook serve".
type process struct {
	cmd            *exec.Cmd
	url            string
	stdout, stderr *syncBuffer
	exited         chan struct{}
}

func startBinary(t *testing.T, env map[string]string) *process {
	t.Helper()
	p := &process{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(hookBinary(t), "serve")
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOOK_LISTEN=127.0.0.1:0"}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	waitFor(t, 10*time.Second, "the binary to listen", func() bool {
		select {
		case <-p.exited:
			t.Fatalf("hook exited early (%v):\n%s", p.cmd.ProcessState, p.stderr)
		default:
		}
		if m := listeningRE.FindStringSubmatch(p.stdout.String()); m != nil {
			p.url = "http://" + m[1]
			return true
		}
		return false
	})
	return p
}

// terminate sends SIGTERM and returns the exit code.
func (p *process) terminate(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("hook did not exit within 20s of SIGTERM:\n%s", p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

// TestSIGTERMKeepsUndeliveredPages: on SIGTERM the binary finishes the
// request in flight, exits 0, and leaves the pages Slack refused in the
// outbox; started again against the same Redis, it delivers them.
func TestSIGTERMKeepsUndeliveredPages(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t)
	const key = "sigterm-test-key"
	var refused atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refused.Add(1)
		http.Error(w, "slack is down", http.StatusInternalServerError)
	}))
	defer down.Close()
	env := map[string]string{
		"HOOK_REDIS_URL":    "redis://" + rdb.Options().Addr + "/0",
		"TRTC_CALLBACK_KEY": key,
		"SLACK_BOT_TOKEN":   "xoxb-sigterm-test",
		"SLACK_API_URL":     down.URL + "/api/",
		"HOOK_CONSUMER":     "replica-1", // the same name across the restart, as a StatefulSet gives
	}
	p := startBinary(t, env)
	for i, user := range []string{"u1", "u2"} {
		if got := post(t, p.url, "1400000001", key, uploadError(7000+i, user)); got != http.StatusOK {
			t.Fatalf("callback %s: status %d", user, got)
		}
	}
	waitFor(t, 10*time.Second, "a delivery attempt to the failing Slack", func() bool { return refused.Load() > 0 })

	// A callback whose body is still arriving when SIGTERM lands must be answered.
	body := uploadError(7100, "u-inflight")
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/callback", pr)
	req.Header.Set("SdkAppId", "1400000001")
	req.Header.Set("Sign", verify.Sign([]byte(key), body))
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- -1
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	if _, err := pw.Write(body[:10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server is now reading the body
	exited := make(chan int, 1)
	go func() { exited <- p.terminate(t) }()
	time.Sleep(300 * time.Millisecond)
	if _, err := pw.Write(body[10:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if status := <-answered; status != http.StatusOK {
		t.Errorf("the request in flight at SIGTERM got %d, want 200", status)
	}
	if code := <-exited; code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0:\n%s", code, p.stderr)
	}
	if _, err := http.Get(p.url + "/healthz"); err == nil {
		t.Error("still accepting connections after exit")
	}

	ctx := context.Background()
	layout, err := keyspace.NewLayout(keyPrefix, settings.DefaultPartitions)
	if err != nil {
		t.Fatal(err)
	}
	outbox := outboxpkg.New(rdb, layout, outboxpkg.Options{})
	n, err := outbox.Depth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("outbox holds %d pages after SIGTERM, want the 3 undelivered ones\n%s", n, p.stderr)
	}

	// The next start delivers them to a Slack that works again.
	var mu sync.Mutex
	var delivered []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		delivered = append(delivered, r.Form.Get("text"))
		n := len(delivered)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"channel":"C0123","ts":"1700000000.%06d"}`, n)
	}))
	defer up.Close()
	env["SLACK_API_URL"] = up.URL + "/api/"
	p2 := startBinary(t, env)
	waitFor(t, 15*time.Second, "the outbox to drain", func() bool {
		n, err := outbox.Depth(ctx)
		return err == nil && n == 0
	})
	mu.Lock()
	got := strings.Join(delivered, "\n")
	mu.Unlock()
	for _, room := range []string{"room 7000", "room 7001", "room 7100"} {
		if !strings.Contains(got, room) {
			t.Errorf("page for %s not delivered after the restart; Slack got:\n%s", room, got)
		}
	}
	if code := p2.terminate(t); code != 0 {
		t.Errorf("second run: exit code %d, want 0", code)
	}
	if !strings.Contains(p2.stderr.String(), "resuming pages left pending by the last run") {
		t.Errorf("the restart did not resume its own pending pages at once:\n%s", p2.stderr)
	}
}
