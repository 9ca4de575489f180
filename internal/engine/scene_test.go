package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback/callbacktest"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
)

// scene matches like the other text fields: a value, a list, not, regex.
func TestSceneMatch(t *testing.T) {
	tests := []struct {
		match string
		want  []string // the apps whose exit matches
	}{
		{`{scene: call}`, []string{"1400000002"}},
		{`{scene: live}`, []string{"1400000001", "1400000003", "1400000009"}},
		{`{scene: [live, call]}`, []string{"1400000001", "1400000002", "1400000003", "1400000009"}},
		{`{scene: {not: call}}`, []string{"1400000001", "1400000003", "1400000009"}},
		{`{scene: {regex: "^c"}}`, []string{"1400000002"}},
		{`{scene: call, role: anchor}`, []string{"1400000002"}},
	}
	for _, tt := range tests {
		t.Run(tt.match, func(t *testing.T) {
			rs := mustCompile(t, scenesYAML+"rules: [{name: r, match: "+tt.match+"}]")
			var got []string
			for _, app := range []string{"1400000001", "1400000002", "1400000003", "1400000009"} {
				ev := callbacktest.Exit(2)
				ev.AppID = app
				var f match.Facts
				rs.Facts(&f, catalogtest.New(t), ev)
				if len(Evaluate(rs, &f)) > 0 {
					got = append(got, app)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

// scene is a label: group_by, inhibit equal and silences may name it, and
// templates may print it.
func TestSceneLabel(t *testing.T) {
	rs := mustCompile(t, scenesYAML+`
rules:
  - name: storm
    match: {event: room.exit, scene: call}
    group_by: [app, scene]
    title: "{{.Scene}} app {{.App}}"
  - name: dropped
    match: {event: room.exit}
inhibit:
  - source: {rule: storm, scene: call}
    target: {rule: dropped}
    equal: [app, scene]
`)
	ev := callbacktest.Exit(2)
	ev.AppID = "1400000002"
	var f match.Facts
	rs.Facts(&f, catalogtest.New(t), ev)
	alerts := Alerts(rs, &f, time.Unix(1700000000, 0))
	if len(alerts) == 0 {
		t.Fatal("no alert")
	}
	if got, want := alerts[0].Notification.Title, "call app 1400000002"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	for _, tc := range []struct {
		scene string
		ok    bool
	}{{"call", true}, {"live", true}, {"Call", false}, {"video", false}} {
		_, err := NormalizeSilence(rs, catalogtest.New(t), alert.Silence{Matchers: map[string]string{"scene": tc.scene}})
		if (err == nil) != tc.ok {
			t.Errorf("silence scene=%s: %v, want ok %v", tc.scene, err, tc.ok)
		}
	}
	if !slices.Contains(alert.SilenceLabels(), "scene") {
		t.Error("silences cannot match scene")
	}
}

// scenesYAML lists apps of each scene, and one that declares none.
const scenesYAML = `
apps:
  - sdk_app_id: "1400000001"
    scene: live
  - sdk_app_id: "1400000002"
    scene: call
  - sdk_app_id: "1400000003"
    name: undeclared
`

// An app's scene is what its entry declares; an app listed without one,
// and an app not listed at all, is live.
func TestSceneOfApp(t *testing.T) {
	rs := mustCompile(t, scenesYAML+`rules: [{name: r, match: {event: room.exit}}]`)
	tests := []struct{ app, want string }{
		{"1400000001", match.SceneLive},
		{"1400000002", match.SceneCall},
		{"1400000003", match.SceneLive}, // listed, no scene
		{"1400000009", match.SceneLive}, // not listed
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			if got := rs.Scene(tt.app); got != tt.want {
				t.Errorf("Scene = %q, want %q", got, tt.want)
			}
			ev := callbacktest.Exit(2)
			ev.AppID = tt.app
			var f match.Facts
			rs.Facts(&f, catalogtest.New(t), ev)
			if f.Scene != tt.want {
				t.Errorf("match.Facts.Scene = %q, want %q", f.Scene, tt.want)
			}
			if got := f.AlertEvent().Scene; got != tt.want {
				t.Errorf("AlertEvent().Scene = %q, want %q", got, tt.want)
			}
			alerts := Alerts(rs, &f, time.Unix(1700000000, 0))
			if len(alerts) != 1 {
				t.Fatalf("%d alerts, want 1", len(alerts))
			}
			if got := alerts[0].Labels["scene"]; got != tt.want {
				t.Errorf("label scene = %q, want %q (labels %v)", got, tt.want, alerts[0].Labels)
			}
			if got := alerts[0].Notification.Event.Scene; got != tt.want {
				t.Errorf("notification scene = %q, want %q", got, tt.want)
			}
		})
	}
	// match.Facts made without a ruleset (hook test's first look) are live.
	if f := match.NewFacts(catalogtest.New(t), callbacktest.Exit(2)); f.Scene != match.SceneLive {
		t.Errorf("NewFacts Scene = %q, want %q", f.Scene, match.SceneLive)
	}
}
