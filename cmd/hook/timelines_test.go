package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/simulate"
)

var update = flag.Bool("update", false, "rewrite testdata/timelines/*.json from the scenarios")

// The apps of the timelines (see simulate.Timelines).
const (
	liveApp = simulate.LiveApp
	callApp = simulate.CallApp
)

// timelinePages is what the scene rules page for each timeline (rule name:
// how many pages), and nothing else.
var timelinePages = map[string]map[string]int{
	"live-simulate.json":     {"live-anchor-gone": 1, "live-room-outage": 1},
	"live-anchor-gone.json":  {"live-anchor-gone": 1},
	"live-anchor-stage.json": {"live-anchor-gone": 1},
	"live-outage.json":       {"live-room-outage": 1},
	"call-simulate.json":     {"call-app-incident": 1},
	"call-app-incident.json": {"call-app-incident": 1},
	"relay-simulate.json":    {"relay-failed": 1},
	"relay-failure.json":     {"relay-failed": 1},
	"relay-two-urls.json":    {"relay-failed": 2},
	"relay-flapping.json":    {"relay-flapping": 1},
}

// TestTimelineFilesAreTheScenarios: testdata/timelines holds exactly what the
// scenario code builds (go test -run TestTimelineFiles -update rewrites
// them), and every file reads as a `hook test --sequence` timeline.
func TestTimelineFilesAreTheScenarios(t *testing.T) {
	for _, tl := range simulate.Timelines() {
		t.Run(tl.File, func(t *testing.T) {
			path := filepath.Join("testdata", "timelines", tl.File)
			want, err := simulate.TimelineJSON(tl.Steps(), simStart)
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/hook -run TestTimelineFiles -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the scenario it is built from (run go test ./cmd/hook -run TestTimelineFiles -update)", path)
			}
			events, err := rehearsal.ReadEvents(path, tl.App)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != len(tl.Steps()) {
				t.Errorf("%d events read, %d written", len(events), len(tl.Steps()))
			}
		})
	}
}

// TestTimelinesUnderSceneRules: each timeline, run with `hook test
// --sequence` on the example rules (the embedded rules.example.yaml, which
// declares the live app and the call app), pages exactly what its entry
// says, and nothing else.
func TestTimelinesUnderSceneRules(t *testing.T) {
	for _, tl := range simulate.Timelines() {
		t.Run(tl.File, func(t *testing.T) {
			out := rehearse(t, "--app", tl.App, "--sequence", filepath.Join("testdata", "timelines", tl.File))
			got := map[string]int{}
			total := 0
			for _, line := range strings.Split(out, "\n") {
				// A page's rule line, indented under its PAGE line.
				if f := strings.Fields(line); len(f) > 2 && f[0] == "rule" && f[2] == "·" {
					got[f[1]]++
					total++
				}
			}
			want := timelinePages[tl.File]
			if want == nil {
				want = map[string]int{}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pages by rule %v, want %v:\n%s", got, want, out)
			}
			if !strings.Contains(out, fmt.Sprintf("%d page(s) in all", total)) {
				t.Errorf("the page count disagrees with the pages listed:\n%s", out)
			}
		})
	}
}
