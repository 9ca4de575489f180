package rules

import (
	"slices"
	"strings"
	"testing"
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
