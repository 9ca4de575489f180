package rules

import (
	"fmt"

	"github.com/hookdev/hook/internal/match"
)

// Scene is the scene of app: as its entry in the rules file declares it,
// else match.DefaultScene.
func (rs *Ruleset) Scene(app string) string {
	if s, ok := rs.scenes[app]; ok {
		return s
	}
	return match.DefaultScene
}

// Warnings lists what a rules file says that works but is probably not
// meant, as "file:line:col: warning: ...", in file order: `hook check`
// prints them, and the server logs them at load. They never stop a load.
func (rs *Ruleset) Warnings() []string { return rs.warnings }

// sceneWarning is the warning for an app listed without a scene.
func sceneWarning(app string) string {
	return fmt.Sprintf("app %s declares no scene, so it is treated as %s (anchors and audience); "+
		"if it is a call app (TRTC's VideoCall or AudioCall), everyone in it enters as an anchor (role 20), "+
		"and rules about anchors would page for every participant who drops: add scene: call, or scene: live to keep this",
		app, match.DefaultScene)
}
