//go:build fault

package faulttest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/redistest"
)

// hookBin is the hook binary, built once for the suite: the faults are
// played against the program operators run, not a test double.
var hookBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hook-fault-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hookBin = filepath.Join(dir, "hook")
	if out, err := exec.Command("go", "build", "-o", hookBin, "github.com/hookdev/hook/cmd/hook").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is an io.Writer safe for a process's output and the test reading it.
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

// waitFor polls cond every 20 ms; limit only guards against a hung test and
// is never what a test asserts.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// redisServer is a redis-server process the test can kill, restart on the
// same port and directory (its AOF included), stop and continue.
type redisServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string
	aof  bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// newRedis prepares a server on a free port; start runs it. aof turns on
// the append-only file with an fsync per write, so a kill -9 loses nothing
// Redis acknowledged.
func newRedis(t *testing.T, aof bool) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(redistest.RequireEnv) != "" {
			t.Fatalf("redis-server not found and %s is set", redistest.RequireEnv)
		}
		t.Skip("the fault suite needs redis-server on PATH (apt-get install redis-server)")
	}
	r := &redisServer{t: t, bin: bin, port: freePort(t), dir: t.TempDir(), aof: aof}
	t.Cleanup(r.kill)
	return r
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *redisServer) start() {
	r.t.Helper()
	appendonly := "no"
	if r.aof {
		appendonly = "yes"
	}
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", appendonly, "--appendfsync", "always", "--protected-mode", "no")
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()
	waitFor(r.t, 10*time.Second, "redis-server to answer", r.answers)
}

// answers reports whether the server answers PING within 200 ms.
func (r *redisServer) answers() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

func (r *redisServer) signal(sig syscall.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		_ = r.cmd.Process.Signal(sig)
	}
}

// kill is kill -9, waiting for the process to be gone.
func (r *redisServer) kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd = nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// hookProc is the hook binary running "hook serve".
type hookProc struct {
	t              *testing.T
	name           string
	cmd            *exec.Cmd
	url            string
	stdout, stderr *syncBuffer
	exited         chan struct{}
}

var listeningRE = regexp.MustCompile(`hook listening on (\S+)`)

const (
	callbackKey = "fault-suite-key"
	adminToken  = "fault-suite-admin"
)

// hookEnv is what every hook of the suite runs with; the test adds
// HOOK_REDIS_URL, SLACK_API_URL and anything it tunes.
func hookEnv(consumer string) map[string]string {
	rules, _ := filepath.Abs("testdata/rules.yaml")
	return map[string]string{
		"HOOK_LISTEN": "127.0.0.1:0", "HOOK_RULES": rules, "HOOK_CONSUMER": consumer,
		"TRTC_CALLBACK_KEY": callbackKey, "HOOK_ADMIN_TOKEN": adminToken,
		"SLACK_BOT_TOKEN": "xoxb-fault-suite", "HOOK_LOG_FORMAT": "json",
	}
}

func startHook(t *testing.T, env map[string]string) *hookProc {
	t.Helper()
	h := &hookProc{t: t, name: env["HOOK_CONSUMER"], stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	h.cmd = exec.Command(hookBin, "serve")
	h.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		h.cmd.Env = append(h.cmd.Env, k+"="+v)
	}
	h.cmd.Stdout, h.cmd.Stderr = h.stdout, h.stderr
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = h.cmd.Wait(); close(h.exited) }()
	t.Cleanup(func() {
		_ = h.cmd.Process.Kill()
		<-h.exited
		if t.Failed() {
			t.Logf("%s stderr:\n%s", h.name, h.stderr)
		}
	})
	waitFor(t, 15*time.Second, h.name+" to listen", func() bool {
		select {
		case <-h.exited:
			t.Fatalf("%s exited early (%v):\n%s", h.name, h.cmd.ProcessState, h.stderr)
		default:
		}
		if m := listeningRE.FindStringSubmatch(h.stdout.String()); m != nil {
			h.url = "http://" + m[1]
			return true
		}
		return false
	})
	return h
}

// kill is kill -9.
func (h *hookProc) kill() {
	_ = h.cmd.Process.Kill()
	<-h.exited
}

// terminate sends SIGTERM and returns the exit code.
func (h *hookProc) terminate() int {
	h.t.Helper()
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
	case <-time.After(30 * time.Second):
		h.t.Fatalf("%s did not exit within 30s of SIGTERM", h.name)
	}
	return h.cmd.ProcessState.ExitCode()
}

// logs returns the JSON log lines whose msg starts with prefix.
func (h *hookProc) logs(prefix string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(h.stderr.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if msg, _ := m["msg"].(string); strings.HasPrefix(msg, prefix) {
			out = append(out, m)
		}
	}
	return out
}
