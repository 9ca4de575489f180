package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/population"
	"github.com/hookdev/hook/internal/record"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/settings"
	"github.com/hookdev/hook/internal/silence"
	"github.com/hookdev/hook/internal/state"
	"github.com/hookdev/hook/internal/verify"
)

var updateDoc = flag.Bool("update-doc", false, "rewrite the shown output of docs/tuning-rules.md from what the commands print")

const tuningDoc = "../../docs/tuning-rules.md"

// night is the walk-through's night: when each of its timelines began.
var night = []struct {
	file  string
	start time.Time
}{
	{"live-churn.json", time.Date(2026, 3, 1, 20, 14, 0, 0, time.UTC)},
	{"live-anchor-gone.json", time.Date(2026, 3, 1, 20, 52, 0, 0, time.UTC)},
	{"live-outage.json", time.Date(2026, 3, 1, 21, 37, 0, 0, time.UTC)},
}

// recordNight runs hook's callback path (handler, engine, store,
// population, record) as serve wires it on the in-process Redis, on a
// clock that follows the night, with the rules of rulesFile: TRTC's
// callbacks of the night arrive each 150 ms after it was sent, signed. It
// returns the server's URL, its admin API on.
func recordNight(t *testing.T, rulesFile string) string {
	t.Helper()
	cat := catalogtest.New(t)
	rs, err := rules.Load(rulesFile, cat, func(k string) string { return map[string]string{"TRTC_CALLBACK_KEY": "night-key"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	rdb, _ := redistest.Mini(t)
	st, err := state.NewPartitioned(rdb, keyPrefix, state.Options{Partitions: settings.DefaultPartitions})
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{} // the recorded night's clock: where the test says
	pop := population.New(rdb, st.Layout(), population.Options{Now: clock.Now})
	pop.Start()
	defer pop.Close()
	router := engine.New(cat, rs, st, clock.Now, nil).WithPopulation(pop).WithAppPopulation(pop)
	w := record.NewWriter(rdb, st.Layout(), record.Options{Now: clock.Now, MaxLen: settings.InProcessRecordMax})
	h := handler.New(handler.Config{AdminToken: "doc-admin-token"}, handler.Deps{Router: router, Catalog: cat, Store: st,
		Log: slog.New(slog.DiscardHandler), Now: clock.Now, Outbox: outbox.New(rdb, st.Layout(), outbox.Options{}), Silences: silence.New(rdb, st.Layout()), Rules: router,
		Record: w, RecordReader: record.NewReader(rdb, st.Layout(), 0)})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	type callback struct {
		sent time.Time
		body []byte
	}
	var all []callback
	for _, tl := range night {
		for _, body := range rebased(t, tl.file, tl.start) {
			var b struct{ CallbackTs int64 }
			if err := json.Unmarshal(body, &b); err != nil {
				t.Fatal(err)
			}
			all = append(all, callback{time.UnixMilli(b.CallbackTs), body})
		}
	}
	slices.SortStableFunc(all, func(a, b callback) int { return a.sent.Compare(b.sent) })
	for _, c := range all {
		clock.set(c.sent.Add(150 * time.Millisecond))
		req := httptest.NewRequest("POST", "/callback", bytes.NewReader(c.body))
		req.Header.Set("SdkAppId", "1400000001")
		req.Header.Set("Sign", verify.Sign([]byte("night-key"), c.body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", c.body, rec.Code, rec.Body)
		}
	}
	w.Close() // everything written
	return srv.URL
}

// docBlock is a block of the walk-through the test runs.
type docBlock struct {
	lang  string
	lines []string // the block's lines, fences excluded
	start int      // the line of its first line, 0-based, in the doc
}

func docBlocks(doc string) []docBlock {
	var out []docBlock
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			continue
		}
		b := docBlock{lang: lang, start: i + 1}
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			b.lines = append(b.lines, lines[i])
		}
		out = append(out, b)
	}
	return out
}

var fileBlockRE = regexp.MustCompile(`^yaml file=(\S+)$`)

// TestTuningRulesWalkthrough checks docs/tuning-rules.md against a real
// recorded night: it writes the files the page shows (```yaml file=NAME),
// records the night through hook's callback path with the rules the page
// starts from, then runs every command the page shows (```console: "$ hook
// ..." and what it prints, stdout then stderr) and checks that the page
// shows what it prints. go test ./cmd/hook -run TestTuningRules -update-doc
// rewrites the shown output.
func TestTuningRulesWalkthrough(t *testing.T) {
	src, err := os.ReadFile(tuningDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	dir := t.TempDir()
	for _, sub := range []string{"testdata"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	blocks := docBlocks(doc)
	for _, b := range blocks {
		if m := fileBlockRE.FindStringSubmatch(b.lang); m != nil {
			if err := os.WriteFile(filepath.Join(dir, m[1]), []byte(strings.Join(b.lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	url := recordNight(t, filepath.Join(dir, "rules.yaml"))
	t.Chdir(dir)
	env := map[string]string{"HOOK_RULES": "rules.yaml", "HOOK_URL": url, "HOOK_ADMIN_TOKEN": "doc-admin-token"}
	lines := strings.Split(doc, "\n")
	commands := 0
	for _, b := range blocks {
		if b.lang == "sh" {
			// Commands shown without their output: they must succeed (a
			// pipeline runs its hook command only).
			for i, line := range b.lines {
				line, _, _ = strings.Cut(line, " | ")
				args := strings.Fields(line)
				if len(args) == 0 || args[0] != "hook" {
					continue
				}
				var out, errOut bytes.Buffer
				if err := run(context.Background(), args[1:], func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut); err != nil {
					t.Errorf("docs line %d: %s: %v\n%s", b.start+i+1, line, err, errOut.String())
				}
				commands++
			}
			continue
		}
		if b.lang != "console" {
			continue
		}
		// "$ command" lines, each followed by what it prints.
		for i := 0; i < len(b.lines); {
			cmdLine, ok := strings.CutPrefix(b.lines[i], "$ ")
			if !ok {
				t.Fatalf("docs line %d: a console block starts with \"$ \": %q", b.start+i+1, b.lines[i])
			}
			j := i + 1
			for j < len(b.lines) && !strings.HasPrefix(b.lines[j], "$ ") {
				j++
			}
			shown := strings.Join(b.lines[i+1:j], "\n")
			args := strings.Fields(cmdLine)
			if args[0] != "hook" {
				t.Fatalf("docs line %d: only hook commands run here: %q", b.start+i+1, cmdLine)
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), args[1:], func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
			if err != nil {
				t.Errorf("docs line %d: %s: %v\n%s", b.start+i+1, cmdLine, err, errOut.String())
			}
			got := strings.TrimRight(out.String()+errOut.String(), "\n")
			if got != shown {
				if *updateDoc {
					lines = slices.Replace(lines, b.start+i+1, b.start+j, strings.Split(got, "\n")...)
					// Later blocks moved: rewrite once, then run again.
					if err := os.WriteFile(filepath.Join(filepathDir(t), tuningDoc), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
						t.Fatal(err)
					}
					t.Fatalf("rewrote the output of %q in %s: run the test again", cmdLine, tuningDoc)
				}
				t.Errorf("docs line %d: %s prints:\n%s\n\nthe page shows:\n%s", b.start+i+1, cmdLine, got, shown)
			}
			commands++
			i = j
		}
	}
	if commands < 3 {
		t.Fatalf("only %d commands found in %s", commands, tuningDoc)
	}
}

// filepathDir is the package's directory (the test chdirs away from it).
var pkgDir string

func init() { pkgDir, _ = os.Getwd() }

func filepathDir(*testing.T) string { return pkgDir }

// rebased is a timeline's bodies with every time moved so that the first
// callback is sent at start.
func rebased(t *testing.T, file string, start time.Time) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(pkgDir, "testdata", "timelines", file))
	if err != nil {
		t.Fatal(err)
	}
	var bodies []map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&bodies); err != nil {
		t.Fatal(err)
	}
	ms := func(v any) int64 { n, _ := v.(json.Number).Int64(); return n }
	shift := start.UnixMilli() - ms(bodies[0]["CallbackTs"])
	var out [][]byte
	for _, b := range bodies {
		b["CallbackTs"] = ms(b["CallbackTs"]) + shift
		info := b["EventInfo"].(map[string]any)
		if v, ok := info["EventMsTs"]; ok {
			info["EventMsTs"] = ms(v) + shift
		}
		if v, ok := info["EventTs"]; ok {
			info["EventTs"] = (ms(v)*1000 + shift) / 1000
		}
		body, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, body)
	}
	return out
}
