package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/cli"
)

// TestDocCommands runs every command the README and docs/*.md show in a
// `sh` block, as a reader would paste it, and checks it exits 0 (or the
// status its comment says: `# exits N`).
//
// What runs: hook itself, through a `hook` on PATH that is this test binary
// acting as hook (runAsHook), so no build is needed; `go run ./cmd/hook ...`,
// `go build -o X ./cmd/hook` and `go install ./cmd/hook` go to the same
// binary through a `go` shell function; shell lines (variables, printf, sed,
// curl, source). They run with bash, one script per block (so a block's
// variables carry from line to line), in a directory that mirrors the
// repository, against a hook the test starts as the README does
// (`go run ./cmd/hook`: the embedded rules and Redis, its local admin token)
// with TRTC_CALLBACK_KEY=KEY, the key the docs write. The docs' address,
// localhost:8080, reaches that hook: the hook commands dial it instead, and
// curl gets --connect-to. The server is stopped with SIGTERM at the end and
// must exit 0.
//
// Placeholders the reader fills in are filled in (docPlaceholders). What
// cannot run here is checked against what it names: docker against the
// Dockerfile, settings table and compose.yaml, helm against the chart's
// values.yaml, `go test` and `go run ./bench` against the packages,
// benchmarks and flags they name; the rest is in docNotRun, with why.
func TestDocCommands(t *testing.T) {
	needTool(t, "bash", "the docs' commands run with bash")
	needTool(t, "curl", "the docs' commands send callbacks with curl")
	env := newDocEnv(t)
	blocks := map[string][]docCommand{} // per block, in order
	var order []string
	serveShown := 0
	for _, p := range docFiles(t) {
		if _, ok := docsRunElsewhere[p]; ok {
			continue
		}
		d := readDoc(t, p)
		for _, b := range d.blocks {
			if b.info != "sh" {
				continue
			}
			cmds := blockCommands(p, b)
			if len(cmds) == 0 {
				t.Errorf("%s:%d: a sh block with no command", p, b.start)
			}
			key := fmt.Sprintf("%s:%d", p, b.start)
			for _, c := range cmds {
				v, err := classifyCommand(env, c)
				if err != nil {
					t.Errorf("%s:%d: %s\n  %s", c.doc, c.line, err, c.text)
					continue
				}
				switch {
				case v.serve:
					serveShown++
				case v.run != "":
					c.run, c.want = v.run, v.want
					if _, ok := blocks[key]; !ok {
						order = append(order, key)
					}
					blocks[key] = append(blocks[key], c)
				default:
					t.Logf("%s:%d: not run: %s", c.doc, c.line, v.checked)
				}
			}
		}
	}
	if serveShown == 0 {
		t.Error("no doc shows `go run ./cmd/hook`, the server this test starts")
	}
	ran := 0
	for _, key := range order {
		ran += len(blocks[key])
		env.runBlock(t, key, blocks[key])
	}
	if ran < 20 {
		t.Errorf("only %d commands ran: is the extraction stale?", ran)
	}
	if code := env.stopServer(t); code != 0 {
		t.Errorf("go run ./cmd/hook exited %d on SIGTERM, want 0:\n%s", code, env.serverErr)
	}
}

const (
	// asHookEnv makes this test binary act as hook (see TestMain).
	asHookEnv = "HOOK_DOCTEST_AS_HOOK"
	// docServerEnv is the address the docs' localhost:8080 reaches.
	docServerEnv = "HOOK_DOCTEST_SERVER"
)

// runAsHook is main, for this test binary started as hook by the docs'
// commands: localhost:8080 dials the test's server, and simulate plays its
// scenarios without their real-time pauses (its callbacks and answers are
// the same; the pages that wait for time come when they come).
func runAsHook() int {
	if target := os.Getenv(docServerEnv); target != "" {
		d := &net.Dialer{Timeout: 5 * time.Second}
		http.DefaultTransport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == "localhost:8080" || addr == "127.0.0.1:8080" {
				addr = target
			}
			return d.DialContext(ctx, network, addr)
		}
	}
	pause = func(ctx context.Context, _ time.Duration) bool { return ctx.Err() == nil }
	redis.SetLogger(quietRedisLog{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &proc{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, self: "hook"}
	return cli.Status(runCLI(ctx, c, os.Args[1:]), os.Stderr)
}

// docPlaceholders are what a reader replaces, and what the test puts there.
var docPlaceholders = []struct{ placeholder, value, why string }{
	{"https://YOUR-HOST", "http://localhost:8080", "your public address: here, the test's hook"},
	{"YOUR_SDKAPPID", "1400000001", "your application's SdkAppId: the example's"},
	{"3k7x2m9qab4c", `"$(hook silence list | awk 'NR==2 {print $1}')"`, "a silence id from hook silence list: the first one listed"},
}

// docNotRun are commands that cannot run in a test, each with why.
var docNotRun = []struct {
	words []string // the command's first words
	why   string
}{
	{[]string{"go", "test", "./..."}, "the test suite this test is part of"},
	{[]string{"go", "tool", "pprof"}, "reads the profiles `go run ./bench -profile` writes"},
	{[]string{"docker", "push"}, "needs a registry"},
	{[]string{"helm", "test"}, "needs a cluster with the release installed"},
	{[]string{"kubectl"}, "needs a cluster (a hook command after -- is run here)"},
}

// docCommand is one logical command line of a sh block.
type docCommand struct {
	doc  string
	line int    // 1-based, its first physical line
	text string // continuation lines joined as written
	run  string // what runs: text with the placeholders filled in
	want int    // the exit status it must have
}

// blockCommands cuts a sh block into commands: lines joined at a trailing
// backslash; blank lines and whole-line comments skipped.
func blockCommands(doc string, b mdBlock) []docCommand {
	var out []docCommand
	var cur *docCommand
	for i, line := range b.lines {
		if cur == nil {
			if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			cur = &docCommand{doc: doc, line: b.start + i + 1}
		} else {
			cur.text += "\n"
		}
		cur.text += line
		if !strings.HasSuffix(line, `\`) {
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// shellWords splits a command line into words, the way the shell would for
// this purpose: quotes removed, $(...) kept whole, && || | ; as words of
// their own, a # starting a word ending the line.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i++
			flush()
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '#' && !inWord:
			return words
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				j = len(s) - i - 1
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				switch {
				case s[j] == '\\' && j+1 < len(s):
					j++
					w.WriteByte(s[j])
				case s[j] == '$' && j+1 < len(s) && s[j+1] == '(':
					k := closingParen(s, j+1)
					w.WriteString(s[j:k])
					j = k - 1
				default:
					w.WriteByte(s[j])
				}
			}
			i = j
			inWord = true
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			j := closingParen(s, i+1)
			w.WriteString(s[i:j])
			i = j - 1
			inWord = true
		case c == '&' || c == '|' || c == ';':
			flush()
			op := string(c)
			if i+1 < len(s) && (s[i+1] == '&' || s[i+1] == '|') {
				op += string(s[i+1])
				i++
			}
			words = append(words, op)
		case c == '<' && i+1 < len(s) && s[i+1] == '(':
			w.WriteByte(c)
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
}

// closingParen is the index just past the parenthesis that closes the one
// at s[open], or len(s).
func closingParen(s string, open int) int {
	depth := 0
	for j := open; j < len(s); j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return j + 1
			}
		}
	}
	return len(s)
}

func TestShellWords(t *testing.T) {
	for in, want := range map[string][]string{
		`hook silence add --for 2h --comment "venue wifi down" room=8489`:                                                  {"hook", "silence", "add", "--for", "2h", "--comment", "venue wifi down", "room=8489"},
		`hook silence list                      # id, matchers`:                                                            {"hook", "silence", "list"},
		`go build -o hook ./cmd/hook && ./hook --help    # or`:                                                             {"go", "build", "-o", "hook", "./cmd/hook", "&&", "./hook", "--help"},
		"curl -s -H \"Sign: $(printf %s \"$body\" | hook sign)\" \\\n     --data-binary \"$body\" localhost:8080/callback": {"curl", "-s", "-H", `Sign: $(printf %s "$body" | hook sign)`, "--data-binary", "$body", "localhost:8080/callback"},
		`now=$(date +%s%3N)`:                      {"now=$(date +%s%3N)"},
		`sed 's/YOUR-HOST/hook.example.com/' f`:   {"sed", "s/YOUR-HOST/hook.example.com/", "f"},
		`printf %s '{"a":1}' | hook sign --key K`: {"printf", "%s", `{"a":1}`, "|", "hook", "sign", "--key", "K"},
	} {
		if got := shellWords(in); !slices.Equal(got, want) {
			t.Errorf("shellWords(%q) =\n%q, want\n%q", in, got, want)
		}
	}
}

// docVerdict is what becomes of a command: run (the text to run and the
// status it must exit with), serve (the server the test starts), or
// checked (what was checked instead, and why it does not run).
type docVerdict struct {
	run     string
	want    int
	serve   bool
	checked string
}

var (
	assignRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	exitsRE   = regexp.MustCompile(`#\s*exits (\d+)`)
	shellUtil = []string{"export", "source", "printf", "sed", "curl", "date", "echo", "cat"}
)

func classifyCommand(env *docEnv, c docCommand) (docVerdict, error) {
	text := c.text
	for _, p := range docPlaceholders {
		text = strings.ReplaceAll(text, p.placeholder, p.value)
	}
	want := 0
	if m := exitsRE.FindStringSubmatch(text); m != nil {
		want, _ = strconv.Atoi(m[1])
	}
	words := shellWords(c.text)
	var segments [][]string
	start := 0
	for i, w := range append(words, "&&") {
		if w == "&&" || w == ";" {
			segments = append(segments, words[start:i])
			start = i + 1
		}
	}
	runs, dir := 0, "."
	var checked []string
	for _, seg := range segments {
		v, err := classifySegment(env, seg, &dir)
		if err != nil {
			return v, err
		}
		switch {
		case v.serve:
			if len(segments) > 1 {
				return v, fmt.Errorf("the server started in a compound command")
			}
			return v, nil
		case v.run != "":
			if v.run != "." { // a hook command inside kubectl: that alone runs
				return docVerdict{run: v.run, want: want}, nil
			}
			runs++
		default:
			checked = append(checked, v.checked)
		}
	}
	switch {
	case runs == len(segments):
		return docVerdict{run: text, want: want}, nil
	case runs == 0:
		return docVerdict{checked: strings.Join(checked, "; ")}, nil
	}
	return docVerdict{}, fmt.Errorf("mixes commands that run with ones that cannot: split it")
}

// classifySegment classifies one simple command (or pipeline) of a line; a
// run of "." means: run the line as written.
func classifySegment(env *docEnv, words []string, dir *string) (docVerdict, error) {
	for len(words) > 0 && assignRE.MatchString(words[0]) {
		words = words[1:]
	}
	if len(words) == 0 {
		return docVerdict{run: "."}, nil // an assignment
	}
	for _, n := range docNotRun {
		if len(words) >= len(n.words) && slices.Equal(words[:len(n.words)], n.words) {
			if words[0] == "kubectl" {
				if i := slices.Index(words, "--"); i > 0 && len(words) > i+1 && words[i+1] == "hook" {
					return docVerdict{run: strings.Join(quoteAll(words[i+1:]), " ")}, nil
				}
			}
			if len(words) == 3 && slices.Equal(words, []string{"go", "test", "./..."}) && *dir != "." {
				return checkedIf(fileExists(filepath.Join(*dir, "go.mod")), "go test ./... in "+*dir+", its own module", "%s has no go.mod", *dir)
			}
			return docVerdict{checked: n.why}, nil
		}
	}
	switch words[0] {
	case "hook", "./hook":
		if len(words) == 1 || words[1] == "serve" || strings.HasPrefix(words[1], "-") && !slices.Contains([]string{"--help", "-h", "--version", "-v"}, words[1]) {
			return docVerdict{serve: true}, nil
		}
		return docVerdict{run: "."}, nil
	case "go":
		return classifyGo(words, dir)
	case "cd":
		if len(words) != 2 || !dirExists(words[1]) {
			return docVerdict{}, fmt.Errorf("cd to a directory the repository does not have: %v", words[1:])
		}
		*dir = words[1]
		return docVerdict{checked: "cd " + words[1]}, nil
	case "docker":
		return checkDocker(env, words)
	case "helm":
		if len(words) > 1 && words[1] == "install" {
			return checkHelmInstall(words)
		}
	}
	if slices.Contains(shellUtil, words[0]) {
		if words[0] == "curl" && !strings.Contains(strings.Join(words, " "), "localhost:8080") {
			return docVerdict{}, fmt.Errorf("curl to somewhere other than localhost:8080, the test's hook")
		}
		return docVerdict{run: "."}, nil
	}
	return docVerdict{}, fmt.Errorf("a command TestDocCommands does not know how to run or check: teach classifySegment, or add it to docNotRun with why")
}

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w
		if strings.ContainsAny(w, " \"'$`\\") {
			out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return out
}

func checkedIf(ok bool, what, format string, args ...any) (docVerdict, error) {
	if !ok {
		return docVerdict{}, fmt.Errorf(format, args...)
	}
	return docVerdict{checked: what}, nil
}

func repoPath(p string) string { return filepath.Join(repoRoot, p) }

func fileExists(p string) bool {
	st, err := os.Stat(repoPath(p))
	return err == nil && !st.IsDir()
}

func dirExists(p string) bool {
	st, err := os.Stat(repoPath(p))
	return err == nil && st.IsDir()
}

func classifyGo(words []string, dir *string) (docVerdict, error) {
	args := words[1:]
	switch {
	case len(args) >= 2 && args[0] == "run" && args[1] == "./cmd/hook":
		if len(args) == 2 || args[2] == "serve" {
			return docVerdict{serve: true}, nil
		}
		return docVerdict{run: "."}, nil
	case len(args) == 4 && args[0] == "build" && args[1] == "-o" && args[3] == "./cmd/hook",
		len(args) == 2 && args[0] == "install" && args[1] == "./cmd/hook":
		return docVerdict{run: "."}, nil
	case len(args) >= 2 && args[0] == "run" && args[1] == "./bench":
		return checkBenchFlags(args[2:])
	case len(args) >= 1 && args[0] == "test":
		return checkGoTest(*dir, args[1:])
	}
	return docVerdict{}, fmt.Errorf("a go command TestDocCommands does not know: %v", words)
}

// checkGoTest checks a go test line it cannot run (benchmarks, the fault
// suite): its packages exist and have tests (of its -tags), and its -bench
// and -run patterns name tests that exist.
func checkGoTest(dir string, args []string) (docVerdict, error) {
	var pkgs, patterns []string
	tags := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if name, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") { // -count=1
			args = slices.Insert(slices.Delete(slices.Clone(args), i, i+1), i, name, value)
			a = name
		}
		switch a {
		case "-run", "-bench", "-benchtime", "-tags", "-count", "-timeout":
			if i+1 >= len(args) {
				return docVerdict{}, fmt.Errorf("%s without a value", a)
			}
			switch a {
			case "-tags":
				tags = args[i+1]
			case "-bench", "-run":
				patterns = append(patterns, a+" "+args[i+1])
			}
			i++
		case "-v", "-benchmem", "-race", "-short":
		default:
			if strings.HasPrefix(a, "-") {
				return docVerdict{}, fmt.Errorf("go test flag %s: teach checkGoTest", a)
			}
			pkgs = append(pkgs, a)
		}
	}
	if len(pkgs) == 0 {
		return docVerdict{}, fmt.Errorf("go test with no package")
	}
	var names []string // every Test and Benchmark function of the packages
	for _, p := range pkgs {
		pd := filepath.Join(dir, strings.TrimSuffix(p, "/"))
		files, _ := filepath.Glob(repoPath(filepath.Join(pd, "*_test.go")))
		n := 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return docVerdict{}, err
			}
			if tags != "" && !strings.Contains(string(src), "//go:build "+tags) {
				continue
			}
			n++
			for _, m := range regexp.MustCompile(`(?m)^func ((?:Test|Benchmark)\w+)\(`).FindAllStringSubmatch(string(src), -1) {
				names = append(names, m[1])
			}
		}
		if n == 0 {
			return docVerdict{}, fmt.Errorf("package %s has no tests (tags %q)", pd, tags)
		}
	}
	for _, p := range patterns {
		kind, pattern, _ := strings.Cut(p, " ")
		prefix := map[string]string{"-bench": "Benchmark", "-run": "Test"}[kind]
		for alt := range strings.SplitSeq(pattern, "|") {
			top, _, _ := strings.Cut(alt, "/")
			if top == "^$" {
				continue
			}
			re, err := regexp.Compile(top)
			if err != nil {
				return docVerdict{}, fmt.Errorf("%s %q: %v", kind, pattern, err)
			}
			if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, prefix) && re.MatchString(n) }) {
				return docVerdict{}, fmt.Errorf("%s %q: %s matches no %s function of %v", kind, pattern, top, prefix, pkgs)
			}
		}
	}
	return docVerdict{checked: fmt.Sprintf("go test %v: not run here (minutes, or other processes); its packages and %v exist", pkgs, patterns)}, nil
}

// checkBenchFlags checks go run ./bench's flags against the harness's flag
// set; the harness itself takes minutes and is not run.
func checkBenchFlags(args []string) (docVerdict, error) {
	src, err := os.ReadFile(repoPath("bench/main.go"))
	if err != nil {
		return docVerdict{}, err
	}
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`fs\.\w+\([^"\n]*"([a-z-]+)"`).FindAllStringSubmatch(string(src), -1) {
		defined[m[1]] = true
	}
	if len(defined) < 5 {
		return docVerdict{}, fmt.Errorf("found only %d flags in bench/main.go: the pattern is stale", len(defined))
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !defined[name] {
			return docVerdict{}, fmt.Errorf("go run ./bench has no flag -%s", name)
		}
	}
	return docVerdict{checked: "go run ./bench: the harness takes minutes; its flags exist"}, nil
}

// checkDocker checks docker build against the Dockerfile, docker run against
// the Dockerfile and the settings table, docker compose against compose.yaml.
func checkDocker(env *docEnv, words []string) (docVerdict, error) {
	dockerfile, err := os.ReadFile(repoPath("Dockerfile"))
	if err != nil {
		return docVerdict{}, err
	}
	args := words[2:]
	switch {
	case len(words) > 1 && words[1] == "build":
		var positional []string
		for i := 0; i < len(args); i++ {
			switch args[i] {
			case "--build-arg":
				i++
				name, _, _ := strings.Cut(args[i], "=")
				if !regexp.MustCompile(`(?m)^ARG ` + regexp.QuoteMeta(name) + `\b`).Match(dockerfile) {
					return docVerdict{}, fmt.Errorf("--build-arg %s: the Dockerfile has no ARG %s", name, name)
				}
			case "-t":
				i++
			default:
				positional = append(positional, args[i])
			}
		}
		if !slices.Equal(positional, []string{"."}) {
			return docVerdict{}, fmt.Errorf("docker build of %v, want the repository (.)", positional)
		}
		return docVerdict{checked: "docker build: needs a Docker daemon; its build args are the Dockerfile's"}, nil
	case len(words) > 1 && words[1] == "run":
		for i := 0; i < len(args); i++ {
			switch args[i] {
			case "-p":
				i++
				_, port, _ := strings.Cut(args[i], ":")
				if !regexp.MustCompile(`(?m)^EXPOSE ` + port + `\b`).Match(dockerfile) {
					return docVerdict{}, fmt.Errorf("-p %s: the Dockerfile does not EXPOSE %s", args[i], port)
				}
			case "-e":
				i++
				name, _, _ := strings.Cut(args[i], "=")
				if !strings.Contains(env.settings, "`"+name+"`") {
					return docVerdict{}, fmt.Errorf("-e %s: not a setting of docs/operations.md", name)
				}
			case "-v":
				i++
				parts := strings.Split(args[i], ":")
				if len(parts) < 2 || !strings.Contains(string(dockerfile), parts[1]) && !strings.Contains(string(dockerfile), path.Dir(parts[1])+"/") {
					return docVerdict{}, fmt.Errorf("-v %s: the image has nothing at %s", args[i], parts[1])
				}
			}
		}
		return docVerdict{checked: "docker run: needs a Docker daemon; its port, settings and mounts are the image's"}, nil
	case len(words) > 2 && words[1] == "compose" && words[2] == "up":
		compose, err := os.ReadFile(repoPath("compose.yaml"))
		if err != nil {
			return docVerdict{}, err
		}
		if slices.Contains(args, "--build") && !strings.Contains(string(compose), "build:") {
			return docVerdict{}, fmt.Errorf("docker compose up --build: compose.yaml builds nothing")
		}
		return docVerdict{checked: "docker compose: needs a Docker daemon; compose.yaml is there"}, nil
	}
	return docVerdict{}, fmt.Errorf("a docker command TestDocCommands does not know: %v", words)
}

// checkHelmInstall checks helm install's chart and that every value it sets
// is one of the chart's values.yaml.
func checkHelmInstall(words []string) (docVerdict, error) {
	if len(words) < 4 {
		return docVerdict{}, fmt.Errorf("helm install NAME CHART, got %v", words)
	}
	chart := words[3]
	if !fileExists(filepath.Join(chart, "Chart.yaml")) {
		return docVerdict{}, fmt.Errorf("helm install: %s is not a chart", chart)
	}
	data, err := os.ReadFile(repoPath(filepath.Join(chart, "values.yaml")))
	if err != nil {
		return docVerdict{}, err
	}
	var values map[string]any
	if err := yaml.Unmarshal(data, &values); err != nil {
		return docVerdict{}, err
	}
	var keys []string
	for i := 4; i < len(words); i++ {
		switch words[i] {
		case "--set", "--set-string", "--set-file":
			i++
			for kv := range strings.SplitSeq(words[i], ",") {
				k, _, _ := strings.Cut(kv, "=")
				keys = append(keys, k)
			}
		default:
			return docVerdict{}, fmt.Errorf("helm install flag %s: teach checkHelmInstall", words[i])
		}
	}
	for _, k := range keys {
		var node any = values
		for part := range strings.SplitSeq(k, ".") {
			m, ok := node.(map[string]any)
			if !ok {
				return docVerdict{}, fmt.Errorf("--set %s: %s is not a map in values.yaml", k, part)
			}
			if node, ok = m[part]; !ok {
				return docVerdict{}, fmt.Errorf("--set %s: values.yaml has no %s", k, part)
			}
		}
	}
	return docVerdict{checked: fmt.Sprintf("helm install: needs a cluster; the chart has the values %v", keys)}, nil
}

// docEnv is where the docs' commands run: a hook serving as the README's
// go run ./cmd/hook does, a `hook` on PATH, and a work directory that
// mirrors the repository.
type docEnv struct {
	dir       string // temp: bin/, work/, home/, state/
	addr      string // the server's host:port
	server    *exec.Cmd
	exited    chan struct{}
	serverErr *syncBuffer
	settings  string // docs/operations.md, for docker run -e
}

func newDocEnv(t *testing.T) *docEnv {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	e := &docEnv{dir: t.TempDir(), exited: make(chan struct{}), serverErr: &syncBuffer{}}
	ops, err := os.ReadFile(repoPath("docs/operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	e.settings = string(ops)
	for _, d := range []string{"bin", "work", "home", "state"} {
		if err := os.Mkdir(filepath.Join(e.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' \"$@\"\n", asHookEnv, self)
	if err := os.WriteFile(filepath.Join(e.dir, "bin", "hook"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs(repoRoot)
	for _, en := range entries {
		if en.Name() == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, en.Name()), filepath.Join(e.dir, "work", en.Name())); err != nil {
			t.Fatal(err)
		}
	}
	// The server: go run ./cmd/hook, as the README starts it, with the key the
	// docs write and a local admin token in the state directory.
	out := &syncBuffer{}
	e.server = exec.Command(filepath.Join(e.dir, "bin", "hook"))
	e.server.Dir = filepath.Join(e.dir, "work")
	e.server.Env = append(e.environ(), "HOOK_LISTEN=127.0.0.1:0", "TRTC_CALLBACK_KEY=KEY")
	e.server.Stdout, e.server.Stderr = out, e.serverErr
	if err := e.server.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.server.Wait(); close(e.exited) }()
	t.Cleanup(func() {
		_ = e.server.Process.Kill()
		<-e.exited
	})
	waitFor(t, 20*time.Second, "go run ./cmd/hook to listen", func() bool {
		select {
		case <-e.exited:
			t.Fatalf("the server exited early:\n%s", e.serverErr)
		default:
		}
		if m := listeningRE.FindStringSubmatch(out.String()); m != nil {
			e.addr = m[1]
			return true
		}
		return false
	})
	waitFor(t, 10*time.Second, "the server to be ready", func() bool {
		resp, err := http.Get("http://" + e.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return e
}

// environ is the commands' whole environment: nothing of the caller's but
// PATH, so a developer's HOOK_URL or TRTC_CALLBACK_KEY changes nothing.
func (e *docEnv) environ() []string {
	return []string{
		"PATH=" + filepath.Join(e.dir, "bin") + ":" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(e.dir, "home"),
		"XDG_STATE_HOME=" + filepath.Join(e.dir, "state"),
		"USER=docs",
		"LANG=C.UTF-8",
		docServerEnv + "=" + e.addr,
	}
}

// docShellPrelude makes the docs' go and curl lines reach the test's hook.
const docShellPrelude = `set -o pipefail
go() {
  case "$1 $2" in
    "run ./cmd/hook") shift 2; hook "$@" ;;
    "build -o") [ "$4" = ./cmd/hook ] && cp "$(command -v hook)" "$3" ;;
    "install ./cmd/hook") mkdir -p "$HOME/go/bin" && cp "$(command -v hook)" "$HOME/go/bin/hook" ;;
    *) echo "doc test: go $* does not run here" >&2; return 127 ;;
  esac
}
curl() { command curl --connect-to "localhost:8080:${HOOK_DOCTEST_SERVER}" --fail-with-body "$@"; }
__want() {
  if [ "$1" != "$2" ]; then echo "DOCTEST $3: exit status $1, want $2" >&2; exit 99; fi
}
`

// runBlock runs one block's commands as one bash script, each followed by
// a check of its exit status.
func (e *docEnv) runBlock(t *testing.T, where string, cmds []docCommand) {
	t.Helper()
	var script strings.Builder
	script.WriteString(docShellPrelude)
	for _, c := range cmds {
		fmt.Fprintf(&script, "echo '$ %s:%d' >&2\n%s\n__want $? %d %s:%d\n", c.doc, c.line, c.run, c.want, c.doc, c.line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = filepath.Join(e.dir, "work")
	cmd.Env = e.environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("%s: %v\n%s\n--- script\n%s", where, err, out.String(), script.String())
		return
	}
	for _, c := range cmds {
		t.Logf("%s:%d: ran: %s", c.doc, c.line, strings.ReplaceAll(c.run, "\n", " "))
	}
}

// stopServer sends SIGTERM and returns the exit status.
func (e *docEnv) stopServer(t *testing.T) int {
	t.Helper()
	if err := e.server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("the server did not exit within 20s of SIGTERM")
	}
	return e.server.ProcessState.ExitCode()
}
