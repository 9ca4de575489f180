package hook_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// allowedImports is the pipeline's direction, written down. alert is the
// domain every stage shares and sits below them all; catalog, verify and
// callback import nothing of hook's. A callback flows handler -> verify,
// callback, engine (evaluate: pure) -> state (one atomic script, which
// enqueues into the outbox); notify reads the outbox and renders. The
// engine judges events by the rules file as rules compiled it, with match
// (facts, matchers, templates) under both: rules never imports the engine,
// match neither. rules imports notify only for the delivery settings its
// delivery: section resolves into (notify owns their defaults and bounds,
// declared once); storage (state, outbox, silence, threads, rooms) never
// imports rules nor a notifier, notify never imports storage: storage and
// notify implement what alert and their consumers declare. A package may import only what its
// row names (tests excepted), so a change that bends the flow fails here,
// not in review.
var allowedImports = map[string][]string{
	"internal/alert":     {},
	"internal/verify":    {},
	"internal/catalog":   {},
	"internal/callback":  {},
	"internal/redistest": {},
	"internal/enrich":    {"internal/alert", "internal/catalog", "internal/trtcapi"},
	// trtcapi is Tencent Cloud's TRTC API, signed and classified; enrich
	// declares what it asks of it. trtcapitest fakes it for tests.
	"internal/trtcapi":             {},
	"internal/trtcapi/trtcapitest": {},
	// catalogtest hands tests the embedded catalogue, parsed once.
	"internal/catalog/catalogtest": {"internal/catalog"},
	"internal/faulttest":           {}, // the fault suite: tests only (build tag fault)
	"internal/rules":               {"internal/alert", "internal/callback", "internal/catalog", "internal/match", "internal/notify", "internal/notify/words", "internal/yamlpos"},
	"internal/engine":              {"internal/alert", "internal/callback", "internal/catalog", "internal/match", "internal/rules"},
	"internal/notify":              {"internal/alert", "internal/notify/words"},
	"internal/notify/slack":        {"internal/alert", "internal/notify", "internal/notify/words"},
	// words is every word a human reads of a page, and the page as plain
	// text: both receivers (console, Slack) and every listing draw on it.
	"internal/notify/words": {"internal/alert"},
	// match is what rules are evaluated on and with: rules compiles into
	// it, the engine runs it. It decodes match values with yamlpos.
	"internal/match": {"internal/alert", "internal/callback", "internal/catalog", "internal/yamlpos"},
	// yamlpos decodes YAML strictly, saying where; it knows no document
	// (alert only for its suggestions' spelling distance).
	"internal/yamlpos": {"internal/alert"},
	// keyspace says where keys live (hash tags, partitions) and names none:
	// each package below builds its own keys from it.
	"internal/keyspace": {},
	// Storage, each package its own idea, its keys and its scripts; none
	// imports a notifier: what it hands over are alert types, behind the
	// interfaces notify and the handler declare.
	"internal/outbox":  {"internal/alert", "internal/keyspace"},
	"internal/silence": {"internal/alert", "internal/keyspace"},
	"internal/threads": {"internal/alert", "internal/keyspace"},
	"internal/rooms":   {"internal/alert", "internal/keyspace", "internal/writebehind"},
	// state is alert state: its fire script enqueues into the outbox and
	// checks the silences in the same step, and reads a room's population,
	// so it names their keys (state -> outbox, never back).
	"internal/state": {"internal/alert", "internal/keyspace", "internal/outbox", "internal/population", "internal/silence"},
	// population keeps its own keys in the partitions (keyspace.Layout) and
	// reads room events; the engine feeds it through an interface of its own.
	"internal/population": {"internal/callback", "internal/keyspace", "internal/writebehind"},
	// record keeps accepted callbacks in the partitions; the handler hands it
	// each one through an interface of its own, and streams it to the admin API.
	"internal/record": {"internal/callback", "internal/keyspace", "internal/writebehind"},
	// writebehind is the queue behind population and record writes; it knows
	// nothing of what it writes.
	"internal/writebehind": {},
	"internal/handler": {"internal/alert", "internal/callback", "internal/catalog", "internal/engine",
		"internal/notify", "internal/notify/words", "internal/notify/slack", "internal/record", "internal/rules", "internal/verify"},
	// backtest replays the record through two rulesets, each on the
	// server's engine, store and population over an in-memory Redis.
	"internal/backtest": {"internal/alert", "internal/callback", "internal/catalog", "internal/engine", "internal/match", "internal/notify", "internal/notify/words",
		"internal/outbox", "internal/population", "internal/record", "internal/rules", "internal/state"},
	// rehearsal feeds the rooms' population as a server does, written at once.
	// It prints what it rehearsed as the console would page it.
	"internal/rehearsal": {"internal/alert", "internal/callback", "internal/catalog", "internal/engine", "internal/match", "internal/notify", "internal/notify/words",
		"internal/outbox", "internal/population", "internal/rules", "internal/silence", "internal/state"},
	// simulate is the scenarios hook simulate sends, signed as TRTC signs.
	"internal/simulate": {"internal/cli", "internal/verify"},
	// adminclient is the CLI's side of the admin API; the record it streams
	// is record's.
	"internal/adminclient": {"internal/alert", "internal/notify", "internal/notify/words", "internal/record"},
	// redisconn opens the Redis every stateful package is handed.
	"internal/redisconn": {},
	// config is the settings of hook serve and hook backtest, with the
	// defaults of the packages they tune.
	"internal/settings": {"internal/backtest", "internal/cli", "internal/keyspace", "internal/notify", "internal/notify/words", "internal/record", "internal/state"},
	// cli is the command line's conventions; the commands are cmd/hook's.
	"internal/cli": {},
	// reload swaps a recompiled rules file into what serves (the engine,
	// through an interface of reload's own).
	"internal/reload": {"internal/catalog", "internal/rules"},
	// callbacktest builds the callbacks tests send.
	"internal/callback/callbacktest": {"internal/callback"},
}

func TestImportsFlowOneWay(t *testing.T) {
	const module = "github.com/hookdev/hook/"
	var dirs []string
	err := filepath.WalkDir("internal", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == "internal" || d.Name() == "testdata" {
			return err
		}
		if files, _ := filepath.Glob(filepath.Join(path, "*.go")); len(files) > 0 {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		allowed, known := allowedImports[dir]
		if !known {
			t.Errorf("%s: new package: add it to allowedImports with what it may import", dir)
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				own, ok := strings.CutPrefix(path, module)
				if !ok {
					continue
				}
				if !slices.Contains(allowed, own) {
					t.Errorf("%s imports %s: %s may import only %v", file, own, dir, allowed)
				}
			}
		}
	}
	// Only the command wires the HTTP layer.
	err = filepath.WalkDir("internal", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasPrefix(path, "internal/handler") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if strings.Contains(imp.Path.Value, "internal/handler") || strings.Contains(imp.Path.Value, "labstack/echo") {
				t.Errorf("%s imports %s: only cmd/hook uses the handler, and Echo stays in handler", path, imp.Path.Value)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestArchitectureMapsEveryPackage keeps ARCHITECTURE.md's code map true:
// every package arch_test knows is in it, and it names no package that is
// gone.
func TestArchitectureMapsEveryPackage(t *testing.T) {
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	for dir := range allowedImports {
		if !strings.Contains(string(doc), "`"+dir+"`") {
			t.Errorf("ARCHITECTURE.md: the code map does not name `%s`", dir)
		}
	}
	for _, m := range regexp.MustCompile("`(internal/[a-z/]+)`").FindAllStringSubmatch(string(doc), -1) {
		if _, ok := allowedImports[m[1]]; !ok {
			t.Errorf("ARCHITECTURE.md names `%s`, which is not a package", m[1])
		}
	}
}
