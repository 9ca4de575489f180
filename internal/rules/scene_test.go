package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

const scenesYAML = `
apps:
  - sdk_app_id: "1400000001"
    callback_key: {file: testdata/scene.key}
    scene: live
  - sdk_app_id: "1400000002"
    callback_key: {file: testdata/scene.key}
    scene: call
  - sdk_app_id: "1400000003"
    name: undeclared
    callback_key: {file: testdata/scene.key}
`

// An app's scene is what its entry declares; an app listed without one,
// and an app not listed at all, is live.
func TestSceneOfApp(t *testing.T) {
	rs := mustCompile(t, scenesYAML+`rules: [{name: r, match: {event: room.exit}}]`)
	tests := []struct{ app, want string }{
		{"1400000001", SceneLive},
		{"1400000002", SceneCall},
		{"1400000003", SceneLive}, // listed, no scene
		{"1400000009", SceneLive}, // not listed
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			if got := rs.Scene(tt.app); got != tt.want {
				t.Errorf("Scene = %q, want %q", got, tt.want)
			}
			ev := exitEvent(2)
			ev.AppID = tt.app
			var f Facts
			rs.Facts(&f, testCatalog(t), ev)
			if f.Scene != tt.want {
				t.Errorf("Facts.Scene = %q, want %q", f.Scene, tt.want)
			}
			if got := f.AlertEvent().Scene; got != tt.want {
				t.Errorf("AlertEvent().Scene = %q, want %q", got, tt.want)
			}
			alerts := rs.Alerts(&f, time.Unix(1700000000, 0))
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
	// Facts made without a ruleset (hook test's first look) are live.
	if f := NewFacts(testCatalog(t), exitEvent(2)); f.Scene != SceneLive {
		t.Errorf("NewFacts Scene = %q, want %q", f.Scene, SceneLive)
	}
}

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
				ev := exitEvent(2)
				ev.AppID = app
				var f Facts
				rs.Facts(&f, testCatalog(t), ev)
				if len(rs.Evaluate(&f)) > 0 {
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
	ev := exitEvent(2)
	ev.AppID = "1400000002"
	var f Facts
	rs.Facts(&f, testCatalog(t), ev)
	alerts := rs.Alerts(&f, time.Unix(1700000000, 0))
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
		_, err := rs.NormalizeSilence(testCatalog(t), alert.Silence{Matchers: map[string]string{"scene": tc.scene}})
		if (err == nil) != tc.ok {
			t.Errorf("silence scene=%s: %v, want ok %v", tc.scene, err, tc.ok)
		}
	}
	if !slices.Contains(alert.SilenceLabels(), "scene") {
		t.Error("silences cannot match scene")
	}
}

// hook check warns, without failing, for every listed app that declares no
// scene: one warning each, at the app, in file order.
func TestSceneWarnings(t *testing.T) {
	tests := []struct {
		name, apps string
		want       []string
	}{
		{"all declared", `
apps:
  - sdk_app_id: "1400000001"
    callback_key: {file: testdata/scene.key}
    scene: call
`, nil},
		{"none listed", `apps: []`, nil},
		{"two undeclared", `
apps:
  - sdk_app_id: "1400000001"
    callback_key: {file: testdata/scene.key}
  - sdk_app_id: "1400000002"
    callback_key: {file: testdata/scene.key}
    scene: live
  - {sdk_app_id: "1400000003", callback_key: {file: testdata/scene.key}}
`, []string{
			"test.yaml:10:5: warning: " + sceneWarning("1400000001"),
			"test.yaml:15:5: warning: " + sceneWarning("1400000003"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := mustCompile(t, tt.apps+"\nrules: [{name: r, match: {event: room.exit}}]")
			if got := rs.Warnings(); !slices.Equal(got, tt.want) {
				t.Errorf("warnings:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
	w := sceneWarning("1")
	for _, says := range []string{"treated as live", "role 20", "scene: call"} {
		if !strings.Contains(w, says) {
			t.Errorf("the warning does not say %q (what an undeclared app gets, and why it matters): %s", says, w)
		}
	}
}
