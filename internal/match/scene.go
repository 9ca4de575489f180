package match

import (
	"fmt"
	"strings"
)

// An app's scene: what TRTC's roles mean in its rooms. TRTC's app scenes
// (the appScene of enterRoom) come in two kinds that page differently:
//   - live: LIVE and VoiceChatRoom. Users enter as anchors (role 20) or
//     audience (role 21): an anchor gone is an incident, audience churn is not.
//   - call: VideoCall and AudioCall. Everyone enters as role 20, so "an
//     anchor dropped" is every participant whose network blinked.
const (
	SceneLive = "live"
	SceneCall = "call"
)

// DefaultScene is the scene of an app the rules file lists without one, and
// of every app it does not list: rules written before scenes existed read
// roles as in a live room, and keep doing so. `hook check` warns about each
// listed app without one.
const DefaultScene = SceneLive

// ValidScene reports whether s is a scene, written exactly so.
func ValidScene(s string) bool { return s == SceneLive || s == SceneCall }

// SceneHint says what an invalid scene should have been.
func SceneHint(s string) string {
	if l := strings.ToLower(strings.TrimSpace(s)); ValidScene(l) && l != s {
		return fmt.Sprintf(" (write %s, in lower case)", l)
	}
	switch strings.ToLower(s) {
	case "voicechatroom", "voice_chat_room", "voicechat", "liveroom", "live_room", "broadcast":
		return " (TRTC's LIVE and VoiceChatRoom scenes are live)"
	case "videocall", "audiocall", "video_call", "audio_call", "video", "audio", "meeting", "rtc":
		return " (TRTC's VideoCall and AudioCall scenes are call)"
	}
	return " (live: LIVE and VoiceChatRoom, anchors and audience; call: VideoCall and AudioCall, everyone role 20)"
}
