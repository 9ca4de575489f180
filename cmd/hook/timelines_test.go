package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/timelines/*.json from the scenarios")

// The apps of the timelines: a live app and a call app, as `hook simulate`
// sends them by default (--app, --call-app).
const (
	liveApp = "1400000001"
	callApp = "1400000002"
)

// timelines are the scenes' stories as files `hook test --sequence` reads,
// each built from the same pieces as `hook simulate live|call|relay`: the
// rooms, users and pacing TRTC would produce. pages is what the scene rules
// page for each (rule name: how many pages), and nothing else.
var timelines = []struct {
	file  string
	app   string
	steps func() []simStep
	pages map[string]int
}{
	{"live-simulate.json", liveApp, func() []simStep { return liveScenario(9100, "") },
		map[string]int{"live-anchor-gone": 1, "live-room-outage": 1}},
	{"live-churn.json", liveApp, func() []simStep {
		// 12 of 40 viewers time out over 44 s, 4 never come back: churn.
		r := roomOf(9110)
		steps := append(liveSetup(r), liveChurn(r, sec(15))...)
		return ordered(append(steps, endRoom(r, steps, sec(120))...))
	}, nil},
	{"live-anchor-gone.json", liveApp, func() []simStep {
		// The host drops and is back in 8 s (no page); later the co-host
		// drops for good (one page).
		r := roomOf(9120)
		steps := append(liveSetup(r),
			simStep{sec(20), 1, 104, r.exit("host", roleAnchor, exitTimeout), "host left: timeout"},
			simStep{sec(28), 1, 103, r.enter("host", roleAnchor, termIOS, userNative, enterRetry), "host came back"},
			simStep{sec(60), 1, 104, r.exit("cohost", roleAnchor, exitTimeout), "cohost left: timeout (and never comes back)"})
		return ordered(append(steps, endRoom(r, steps, sec(150))...))
	}, map[string]int{"live-anchor-gone": 1}},
	{"live-outage.json", liveApp, func() []simStep {
		// Both anchors and 32 of 40 viewers drop within 4 s: one room page;
		// the anchors' own pages are held back.
		r := roomOf(9130)
		steps := liveSetup(r)
		steps = append(steps, liveOutage(r, steps, sec(20))...)
		return ordered(append(steps, endRoom(r, steps, sec(90))...))
	}, map[string]int{"live-room-outage": 1}},
	{"call-simulate.json", callApp, func() []simStep { return callScenario(9200, "") },
		map[string]int{"call-app-incident": 1}},
	{"call-one-drop.json", callApp, func() []simStep {
		calls := callRooms(9300)
		steps := append(callSetup(calls), callOneDrop(calls[0], sec(15))...)
		return ordered(append(steps, endCalls(calls, steps, sec(90))...))
	}, nil},
	{"call-app-incident.json", callApp, func() []simStep {
		calls := callRooms(9400)
		steps := append(callSetup(calls), callIncident(calls, sec(20))...)
		return ordered(append(steps, endCalls(calls, steps, sec(90))...))
	}, map[string]int{"call-app-incident": 1}},
	{"relay-simulate.json", liveApp, func() []simStep { return relayScenario(9500, "cdn-a") },
		map[string]int{"relay-failed": 1}},
	{"relay-blip.json", liveApp, func() []simStep {
		r := relay{room: 9510, task: "cdn-b", url: "rtmp://push.example.com/live/cdn-b"}
		return append(r.connect(0), r.blip(sec(30))...)
	}, nil},
	{"relay-failure.json", liveApp, func() []simStep {
		r := relay{room: 9520, task: "cdn-c", url: "rtmp://push.example.com/live/cdn-c"}
		return append(r.connect(0), r.lost(sec(30))...)
	}, map[string]int{"relay-failed": 1}},
	{"relay-two-urls.json", liveApp, func() []simStep {
		// One task pushing to two CDNs, both lost: a page for each URL.
		a := relay{room: 9530, task: "cdn-d", url: "rtmp://push.cdn-one.example.com/live/cdn-d"}
		b := relay{room: 9530, task: "cdn-d", url: "rtmp://push.cdn-two.example.net/live/cdn-d"}
		steps := append(a.connect(0), b.connect(sec(0.5))...)
		steps = append(steps, a.lost(sec(30))...)
		return ordered(append(steps, b.lost(sec(31))...))
	}, map[string]int{"relay-failed": 2}},
	{"relay-flapping.json", liveApp, func() []simStep {
		// Three 15-second blips within ten minutes: three recovery
		// episodes, nine RECOVERING callbacks: one page.
		r := relay{room: 9540, task: "cdn-e", url: "rtmp://push.example.com/live/cdn-e"}
		steps := r.connect(0)
		for _, at := range []float64{30, 150, 270} {
			steps = append(steps, r.blip(sec(at))...)
		}
		return steps
	}, map[string]int{"relay-flapping": 1}},
}

// timelineJSON renders steps as a JSON array, one callback body a line,
// stamped from simStart: the format of examples/*.json.
func timelineJSON(t *testing.T, steps []simStep) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, st := range steps {
		body, err := simBody(st, simStart.Add(st.at))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(" ")
		b.Write(body)
		if i < len(steps)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.Bytes()
}

// TestTimelineFilesAreTheScenarios: testdata/timelines holds exactly what the
// scenario code builds (go test -run TestTimelineFiles -update rewrites
// them), and every file reads as a `hook test --sequence` timeline.
func TestTimelineFilesAreTheScenarios(t *testing.T) {
	for _, tl := range timelines {
		t.Run(tl.file, func(t *testing.T) {
			path := filepath.Join("testdata", "timelines", tl.file)
			want := timelineJSON(t, tl.steps())
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
			events, err := readEvents(path, tl.app)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != len(tl.steps()) {
				t.Errorf("%d events read, %d written", len(events), len(tl.steps()))
			}
		})
	}
}

// TestTimelinesUnderSceneRules: each timeline, run with `hook test
// --sequence` on the example rules (the embedded rules.example.yaml, which
// declares the live app and the call app), pages exactly what its entry
// says, and nothing else.
func TestTimelinesUnderSceneRules(t *testing.T) {
	for _, tl := range timelines {
		t.Run(tl.file, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := []string{"test", "--app", tl.app, "--sequence", filepath.Join("testdata", "timelines", tl.file)}
			if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errOut); err != nil {
				t.Fatalf("%v: %s", err, errOut.String())
			}
			got := map[string]int{}
			total := 0
			for _, line := range strings.Split(out.String(), "\n") {
				// A page's rule line, indented under its PAGE line.
				if f := strings.Fields(line); len(f) > 2 && f[0] == "rule" && f[2] == "·" {
					got[f[1]]++
					total++
				}
			}
			want := tl.pages
			if want == nil {
				want = map[string]int{}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pages by rule %v, want %v:\n%s", got, want, out.String())
			}
			if !strings.Contains(out.String(), fmt.Sprintf("%d page(s) in all", total)) {
				t.Errorf("the page count disagrees with the pages listed:\n%s", out.String())
			}
		})
	}
}

// TestScenariosAreTRTCsCallbacks checks what the scenarios send against
// TRTC's documents (trtc.io/document/39558 and 54913), so the timelines stay
// realistic as they change.
func TestScenariosAreTRTCsCallbacks(t *testing.T) {
	all := map[string][]simStep{}
	for _, s := range scenarios() {
		all["simulate "+s.name] = s.steps(8100, "sim-1")
	}
	for _, tl := range timelines {
		all[tl.file] = tl.steps()
	}
	for name, steps := range all {
		t.Run(name, func(t *testing.T) {
			if !slices.IsSortedFunc(steps, func(a, b simStep) int { return int(a.at - b.at) }) {
				t.Error("steps are not in time order")
			}
			in := map[string]int{} // room/user -> role, while present
			type relayKey struct{ room, url any }
			repeats := map[relayKey][]time.Duration{} // CONNECTING/RECOVERING run
			for _, st := range steps {
				info := st.info
				key := fmt.Sprint(info["RoomId"], "/", info["UserId"])
				_, terminal := info["TerminalType"]
				_, userType := info["UserType"]
				switch st.typ {
				case 103:
					if !terminal || !userType || info["Role"] == nil || info["Reason"] == nil {
						t.Errorf("%s: a 103 carries Role, TerminalType, UserType and Reason: %v", st.what, info)
					}
					in[key] = info["Role"].(int)
				case 104:
					if terminal || userType {
						t.Errorf("%s: a 104 carries no TerminalType or UserType: %v", st.what, info)
					}
					role, ok := in[key]
					if strings.HasPrefix(name, "simulate storm") {
						ok, role = true, info["Role"].(int) // the storm starts mid-outage
					}
					if !ok {
						t.Errorf("%s: %s leaves a room they are not in", st.what, key)
					} else if info["Role"] != role {
						t.Errorf("%s: leaves as role %v, entered as %d", st.what, info["Role"], role)
					}
					delete(in, key)
				case 102:
					for k := range in {
						if strings.HasPrefix(k, fmt.Sprint(info["RoomId"], "/")) {
							t.Errorf("%s: room dismissed while %s is in it", st.what, k)
						}
					}
				case 401:
					p := info["Payload"].(map[string]any)
					k := relayKey{info["RoomId"], p["Url"]}
					switch p["Status"] {
					case relayConnecting, relayRecovering:
						run := repeats[k]
						if len(run) > 0 && st.at-run[len(run)-1] != 5*time.Second {
							t.Errorf("%s: TRTC repeats CONNECTING and RECOVERING every 5 s, this came %s after the last", st.what, st.at-run[len(run)-1])
						}
						if len(run) > 0 && st.at-run[0] >= time.Minute {
							t.Errorf("%s: TRTC gives up after 60 s of retries", st.what)
						}
						repeats[k] = append(run, st.at)
					case relayFailure:
						run := repeats[k]
						if len(run) == 0 || st.at-run[0] != time.Minute {
							t.Errorf("%s: FAILURE comes 60 s after the retries began (%v)", st.what, run)
						}
						if p["ErrorCode"] == nil {
							t.Errorf("%s: FAILURE without its ErrorCode", st.what)
						}
						delete(repeats, k)
					default:
						delete(repeats, k)
					}
				}
			}
			if strings.Contains(name, "call") {
				for _, st := range steps {
					if r, ok := st.info["Role"]; ok && r != roleAnchor {
						t.Errorf("%s: in a call app everyone is role 20, not %v", st.what, r)
					}
				}
			}
		})
	}
}
