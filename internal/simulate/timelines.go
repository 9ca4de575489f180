package simulate

import (
	"bytes"
	"time"
)

// The apps of the timelines: a live app and a call app, as hook simulate
// sends them by default (--app, --call-app).
const (
	LiveApp = "1400000001"
	CallApp = "1400000002"
)

// Timeline is one of the scenes' stories as a file hook test --sequence
// reads (cmd/hook/testdata/timelines), built from the same pieces as
// hook simulate live|call|relay: the rooms, users and pacing TRTC would
// produce.
type Timeline struct {
	File  string
	App   string
	Steps func() []Step
}

// Timelines are the shipped timelines.
func Timelines() []Timeline {
	return []Timeline{
		{"live-simulate.json", LiveApp, func() []Step { return liveScenario(9100, "") }},
		{"live-churn.json", LiveApp, func() []Step {
			// 12 of 40 viewers time out over 44 s, 4 never come back: churn.
			r := roomOf(9110)
			steps := append(liveSetup(r), liveChurn(r, sec(15))...)
			return ordered(append(steps, endRoom(r, steps, sec(120))...))
		}},
		{"live-anchor-gone.json", LiveApp, func() []Step {
			// The host drops and is back in 8 s (no page); later the co-host
			// drops for good (one page).
			r := roomOf(9120)
			steps := append(liveSetup(r),
				Step{sec(20), 1, 104, r.exit("host", roleAnchor, exitTimeout), "host left: timeout"},
				Step{sec(28), 1, 103, r.enter("host", roleAnchor, termIOS, userNative, enterRetry), "host came back"},
				Step{sec(60), 1, 104, r.exit("cohost", roleAnchor, exitTimeout), "cohost left: timeout (and never comes back)"})
			return ordered(append(steps, endRoom(r, steps, sec(150))...))
		}},
		{"live-anchor-stage.json", LiveApp, func() []Step {
			// Back in the room is not back on stage: the host drops and
			// enters again as audience (the stage stays empty: one page); the
			// co-host drops, enters as audience and switches to anchor within
			// 30 s (back on stage: no page).
			r := roomOf(9125)
			steps := append(liveSetup(r),
				Step{sec(20), 1, 104, r.exit("host", roleAnchor, exitTimeout), "host left: timeout"},
				Step{sec(25), 1, 103, r.enter("host", roleAudience, termIOS, userNative, enterRetry), "host came back, as audience"},
				Step{sec(60), 1, 104, r.exit("cohost", roleAnchor, exitTimeout), "cohost left: timeout"},
				Step{sec(64), 1, 103, r.enter("cohost", roleAudience, termAndroid, userNative, enterRetry), "cohost came back, as audience"},
				Step{sec(70), 1, 105, r.changeRole("cohost", roleAnchor), "cohost back on stage"})
			return ordered(append(steps, endRoom(r, steps, sec(150))...))
		}},
		{"live-outage.json", LiveApp, func() []Step {
			// Both anchors and 32 of 40 viewers drop within 4 s: one room page;
			// the anchors' own pages are held back.
			r := roomOf(9130)
			steps := liveSetup(r)
			steps = append(steps, liveOutage(r, steps, sec(20))...)
			return ordered(append(steps, endRoom(r, steps, sec(90))...))
		}},
		{"call-simulate.json", CallApp, func() []Step { return callScenario(9200, "") }},
		{"call-one-drop.json", CallApp, func() []Step {
			calls := callRooms(9300)
			steps := append(callSetup(calls), callOneDrop(calls[0], sec(15))...)
			return ordered(append(steps, endCalls(calls, steps, sec(90))...))
		}},
		{"call-app-incident.json", CallApp, func() []Step {
			calls := callRooms(9400)
			steps := append(callSetup(calls), callIncident(calls, sec(20))...)
			return ordered(append(steps, endCalls(calls, steps, sec(90))...))
		}},
		{"relay-simulate.json", LiveApp, func() []Step { return relayScenario(9500, "cdn-a") }},
		{"relay-blip.json", LiveApp, func() []Step {
			r := relay{room: 9510, task: "cdn-b", url: "rtmp://push.example.com/live/cdn-b"}
			return append(r.connect(0), r.blip(sec(30))...)
		}},
		{"relay-failure.json", LiveApp, func() []Step {
			r := relay{room: 9520, task: "cdn-c", url: "rtmp://push.example.com/live/cdn-c"}
			return append(r.connect(0), r.lost(sec(30))...)
		}},
		{"relay-two-urls.json", LiveApp, func() []Step {
			// One task pushing to two CDNs, both lost: a page for each URL.
			a := relay{room: 9530, task: "cdn-d", url: "rtmp://push.cdn-one.example.com/live/cdn-d"}
			b := relay{room: 9530, task: "cdn-d", url: "rtmp://push.cdn-two.example.net/live/cdn-d"}
			steps := append(a.connect(0), b.connect(sec(0.5))...)
			steps = append(steps, a.lost(sec(30))...)
			return ordered(append(steps, b.lost(sec(31))...))
		}},
		{"relay-flapping.json", LiveApp, func() []Step {
			// Three 15-second blips within ten minutes: three recovery
			// episodes, nine RECOVERING callbacks: one page.
			r := relay{room: 9540, task: "cdn-e", url: "rtmp://push.example.com/live/cdn-e"}
			steps := r.connect(0)
			for _, at := range []float64{30, 150, 270} {
				steps = append(steps, r.blip(sec(at))...)
			}
			return steps
		}},
	}
}

// TimelineJSON renders steps as a JSON array, one callback body a line,
// stamped from start: the format of examples/*.json.
func TimelineJSON(steps []Step, start time.Time) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, st := range steps {
		body, err := Body(st, start.Add(st.At))
		if err != nil {
			return nil, err
		}
		b.WriteString(" ")
		b.Write(body)
		if i < len(steps)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.Bytes(), nil
}
