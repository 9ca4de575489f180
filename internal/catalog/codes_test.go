package catalog

import (
	"slices"
	"testing"
)

// TestCallbackReference pins every group and event type of the shared reference
// (trtc-callbacks.md) to its machine name, constant and group.
func TestCallbackReference(t *testing.T) {
	c := mustNew(t)
	groups := map[int]string{1: "room", 2: "media", 3: "recording", 4: "relay", 6: "screenshot", 7: "ingest", 8: "web_recording", 9: "ai"}
	for value, name := range groups {
		if got := c.Code(FieldGroup, 0, value); !got.Known || got.Name != name {
			t.Errorf("group %d = %+v, want %s", value, got, name)
		}
	}
	events := []struct {
		value      int
		name, cnst string
	}{
		{101, "room.create", "EVENT_TYPE_CREATE_ROOM"},
		{102, "room.dismiss", "EVENT_TYPE_DISMISS_ROOM"},
		{103, "room.enter", "EVENT_TYPE_ENTER_ROOM"},
		{104, "room.exit", "EVENT_TYPE_EXIT_ROOM"},
		{105, "room.change_role", "EVENT_TYPE_CHANGE_ROLE"},
		{201, "media.video_start", "EVENT_TYPE_START_VIDEO"},
		{202, "media.video_stop", "EVENT_TYPE_STOP_VIDEO"},
		{203, "media.audio_start", "EVENT_TYPE_START_AUDIO"},
		{204, "media.audio_stop", "EVENT_TYPE_STOP_AUDIO"},
		{205, "media.substream_start", "EVENT_TYPE_START_ASSIT"},
		{206, "media.substream_stop", "EVENT_TYPE_STOP_ASSIT"},
		{301, "recording.start", "EVENT_TYPE_CLOUD_RECORDING_RECORDER_START"},
		{302, "recording.stop", "EVENT_TYPE_CLOUD_RECORDING_RECORDER_STOP"},
		{303, "recording.upload_start", "EVENT_TYPE_CLOUD_RECORDING_UPLOAD_START"},
		{304, "recording.file_info", "EVENT_TYPE_CLOUD_RECORDING_FILE_INFO"},
		{305, "recording.upload_stop", "EVENT_TYPE_CLOUD_RECORDING_UPLOAD_STOP"},
		{306, "recording.failover", "EVENT_TYPE_CLOUD_RECORDING_FAILOVER"},
		{307, "recording.file_slice", "EVENT_TYPE_CLOUD_RECORDING_FILE_SLICE"},
		{308, "recording.upload_error", "EVENT_TYPE_CLOUD_RECORDING_UPLOAD_ERROR"},
		{309, "recording.download_image_error", "EVENT_TYPE_CLOUD_RECORDING_DOWNLOAD_IMAGE_ERROR"},
		{310, "recording.mp4_stop", "EVENT_TYPE_CLOUD_RECORDING_MP4_STOP"},
		{311, "recording.vod_commit", "EVENT_TYPE_CLOUD_RECORDING_VOD_COMMIT"},
		{312, "recording.vod_stop", "EVENT_TYPE_CLOUD_RECORDING_VOD_STOP"},
		{401, "relay.cdn_status", "EVENT_TYPE_CLOUD_PUBLISH_CDN_STATUS"},
		{601, "screenshot.result", "EVENT_TYPE_VIDEO_SCREENSHOT"},
		{701, "ingest.start", "EVENT_TYPE_STREAM_INGEST_START"},
		{702, "ingest.stop", "EVENT_TYPE_STREAM_INGEST_STOP"},
		{801, "web_recording.start", "EVENT_TYPE_WEB_RECORDER_START"},
		{802, "web_recording.stop", "EVENT_TYPE_WEB_RECORDER_STOP"},
		{803, "web_recording.status", "EVENT_TYPE_WEB_RECORDER_STATUS_UPDATE"},
		{804, "web_recording.resource_limit", "EVENT_TYPE_WEB_RECORDER_RESOURCE_LIMIT"},
		{901, "ai.start", "EVENT_TYPE_AI_SERVICE_START"},
		{902, "ai.stop", "EVENT_TYPE_AI_SERVICE_STOP"},
		{903, "ai.message", "EVENT_TYPE_AI_SERVICE_MSG"},
		{904, "ai.speech_start", "EVENT_TYPE_AI_START_OF_SPEECH"},
		{905, "ai.speech_end", "EVENT_TYPE_AI_SPEAKING_FINISHED"},
		{906, "ai.metric", "EVENT_TYPE_AI_METRIC_MESSAGE"},
		{908, "ai.error_metric", "EVENT_TYPE_AI_ERROR_METRIC_CALLBACK"},
		{909, "ai.session_status", "EVENT_TYPE_AI_SESSION_STATUS_CALLBACK"},
	}
	for _, e := range events {
		got := c.Code(FieldEvent, 0, e.value)
		if !got.Known || got.Name != e.name || got.Const != e.cnst || got.Title == "" || got.Field != FieldEvent || got.Value != e.value {
			t.Errorf("event %d = %+v, want %s %s", e.value, got, e.name, e.cnst)
		}
		if g := c.GroupOf(e.value); g.Name != groups[e.value/100] {
			t.Errorf("GroupOf(%d) = %s", e.value, g.Name)
		}
	}
	if n := len(c.Names(FieldEvent)); n != len(events) {
		t.Errorf("%d event names, want %d", n, len(events))
	}
}

func TestCode(t *testing.T) {
	c := mustNew(t)
	tests := []struct {
		field            Field
		eventType, value int
		name, title      string
	}{
		{FieldEvent, 0, 104, "room.exit", "User left the room"},
		{FieldEvent, 555, 104, "room.exit", "User left the room"}, // eventType ignored for unscoped fields
		{FieldReason, 103, 1, "reason.normal", "Normal"},
		{FieldReason, 103, 2, "reason.network_change", "Network change"},
		{FieldReason, 103, 3, "reason.timeout_retry", "Timeout retry"},
		{FieldReason, 103, 4, "reason.cross_room", "Cross-room"},
		{FieldReason, 104, 1, "reason.normal", "Normal"},
		{FieldReason, 104, 2, "reason.timeout", "Timeout"},
		{FieldReason, 104, 3, "reason.kicked", "Removed from the room"},
		{FieldReason, 104, 4, "reason.cross_room_cancelled", "Cross-room cancelled"},
		{FieldReason, 104, 5, "reason.force_closed", "Force-closed"},
		{FieldReason, 202, 0, "reason.normal", "Normal (turned off by the user)"},
		{FieldReason, 104, 0, "unknown", "unknown reason 0 for event 104"},
		{FieldReason, 103, 5, "unknown", "unknown reason 5 for event 103"}, // 5 is an exit reason only
		{FieldReason, 0, 2, "unknown", "unknown reason 2 for event 0"},
		{FieldRole, 0, 20, "role.anchor", "Anchor"},
		{FieldRole, 104, 21, "role.audience", "Audience"},
		{FieldTerminal, 0, 1, "terminal.windows", "Windows"},
		{FieldTerminal, 0, 2, "terminal.android", "Android"},
		{FieldTerminal, 0, 3, "terminal.ios", "iOS"},
		{FieldTerminal, 0, 4, "terminal.linux", "Linux"},
		{FieldTerminal, 0, 100, "terminal.other", "Other"},
		{FieldUserType, 0, 1, "user_type.webrtc", "WebRTC"},
		{FieldUserType, 0, 2, "user_type.mini_program", "Mini Program"},
		{FieldUserType, 0, 3, "user_type.native_sdk", "Native SDK"},
		{FieldStatus, 301, 0, "status.ok", "Succeeded"},
		{FieldStatus, 301, 1, "status.failed", "Failed"},
		{FieldStatus, 303, 1, "status.failed", "Failed"},
		{FieldStatus, 305, 1, "status.files_remaining", "Files left on the server or backup storage"},
		{FieldStatus, 305, 2, "status.recovered", "Left-over files recovered and uploaded"},
		{FieldStatus, 306, 0, "status.ok", "Migration completed"},
		{FieldStatus, 310, 2, "status.failed", "Failed on an error (probably could not download the HLS files from COS)"},
		{FieldStatus, 311, 2, "status.failed", "Failed"},
		{FieldStatus, 312, 1, "status.failed", "Abnormally (failed)"},
		{FieldStatus, 701, 0, "status.ok", "Succeeded"},
		{FieldStatus, 701, 1, "status.failed", "Failed"},
		{FieldStatus, 701, 2, "status.restarted", "Starting again (TRTC retries by itself)"},
		{FieldStatus, 302, 0, "unknown", "unknown status 0 for event 302"},
		{FieldStatus, 702, 0, "status.ok", "Succeeded"},
		{FieldStatus, 801, 0, "unknown", "unknown status 0 for event 801"}, // 801 counts from 1
		{FieldStatus, 801, 2, "status.failed", "Failed"},
		{FieldRoomType, 0, 1, "room_type.string", "String room ID"},
		{FieldLeaveCode, 302, 0, "leave.api_stop", "Stopped by the API"},
		{FieldLeaveCode, 302, 1, "leave.kicked_by_customer", "Recorder removed from the room by the customer"},
		{FieldLeaveCode, 302, 2, "leave.room_dismissed_by_customer", "Room dismissed by the customer"},
		{FieldLeaveCode, 302, 3, "leave.kicked_by_server", "Recorder removed from the room by the server"},
		{FieldLeaveCode, 302, 4, "leave.room_dismissed_by_server", "Room dismissed by the server"},
		{FieldLeaveCode, 302, 99, "leave.idle_timeout", "No stream to record for the idle timeout"},
		{FieldLeaveCode, 302, 100, "leave.room_timeout", "Room timed out"},
		{FieldLeaveCode, 302, 101, "leave.user_entered_elsewhere", "The same user entered the room elsewhere"},
		{FieldLeaveCode, 305, 1, "leave.files_remaining", "Files left on the server or backup storage"},
		{FieldRelayStatus, 0, 0, "relay.idle", "Idle"},
		{FieldRelayStatus, 0, 1, "relay.connecting", "Connecting"},
		{FieldRelayStatus, 0, 2, "relay.running", "Running"},
		{FieldRelayStatus, 0, 3, "relay.recovering", "Recovering"},
		{FieldRelayStatus, 401, 4, "relay.failure", "Failure"},
		{FieldRelayStatus, 0, 5, "relay.disconnecting", "Disconnecting"},
		{FieldRelayStatus, 0, 6, "unknown", "unknown relay status 6"},
		{FieldEvent, 0, 999, "unknown", "unknown event 999"},
		{FieldGroup, 0, 5, "unknown", "unknown group 5"},
		{Field("bogus"), 0, 1, "unknown", "unknown bogus 1"},
	}
	for _, tt := range tests {
		got := c.Code(tt.field, tt.eventType, tt.value)
		known := tt.name != Unknown
		if got.Name != tt.name || got.Title != tt.title || got.Known != known || got.Field != tt.field || got.Value != tt.value {
			t.Errorf("Code(%s, %d, %d) = %+v, want %s %q", tt.field, tt.eventType, tt.value, got, tt.name, tt.title)
		}
	}
}

func TestValues(t *testing.T) {
	c := mustNew(t)
	tests := []struct {
		field Field
		name  string
		want  []Scoped
		ok    bool
	}{
		{FieldReason, "reason.normal", []Scoped{{103, 1}, {104, 1}, {202, 0}, {204, 0}, {206, 0}}, true},
		{FieldReason, "normal", []Scoped{{103, 1}, {104, 1}, {202, 0}, {204, 0}, {206, 0}}, true},
		{FieldReason, "reason.timeout", []Scoped{{104, 2}}, true},
		{FieldReason, "timeout", []Scoped{{104, 2}}, true},
		{FieldReason, "force_closed", []Scoped{{104, 5}}, true},
		{FieldEvent, "room.exit", []Scoped{{0, 104}}, true},
		{FieldEvent, "room.enter", []Scoped{{0, 103}}, true},
		{FieldEvent, "recording.upload_error", []Scoped{{0, 308}}, true},
		{FieldEvent, "exit", nil, false}, // events have no single prefix to drop
		{FieldGroup, "web_recording", []Scoped{{0, 8}}, true},
		{FieldRelayStatus, "relay.failure", []Scoped{{0, 4}}, true},
		{FieldRelayStatus, "failure", []Scoped{{0, 4}}, true},
		{FieldStatus, "status.ok", []Scoped{{301, 0}, {303, 0}, {305, 0}, {306, 0}, {310, 0}, {311, 0}, {312, 0}, {701, 0}, {702, 0}, {801, 1}, {802, 1}, {901, 0}}, true},
		{FieldStatus, "failed", []Scoped{{301, 1}, {303, 1}, {310, 2}, {311, 2}, {312, 1}, {701, 1}, {801, 2}, {901, 1}}, true},
		{FieldStatus, "status.recovered", []Scoped{{305, 2}}, true}, // 310 Status 2 is a failure, not a recovery
		{FieldStatus, "restarted", []Scoped{{701, 2}}, true},
		{FieldLeaveCode, "leave.api_stop", []Scoped{{302, 0}, {902, 0}}, true},
		{FieldLeaveCode, "internal_error", []Scoped{{902, 98}}, true},
		{FieldRoomType, "numeric", []Scoped{{0, 0}}, true},
		{FieldLeaveCode, "kicked_by_customer", []Scoped{{302, 1}, {902, 1}}, true},
		{FieldRole, "anchor", []Scoped{{0, 20}}, true},
		{FieldTerminal, "terminal.ios", []Scoped{{0, 3}}, true},
		{FieldUserType, "mini_program", []Scoped{{0, 2}}, true},
		{FieldReason, "reason.reason.timeout", nil, false},
		{FieldReason, "room.exit", nil, false}, // a name of another field
		{FieldRole, "unknown", nil, false},
		{FieldRole, "", nil, false},
	}
	for _, tt := range tests {
		got, ok := c.Values(tt.field, tt.name)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("Values(%s, %q) = %v, %v; want %v, %v", tt.field, tt.name, got, ok, tt.want, tt.ok)
		}
	}
	// The result is the caller's: changing it must not change the catalogue.
	got, _ := c.Values(FieldReason, "normal")
	got[0].Value = 99
	if again, _ := c.Values(FieldReason, "normal"); again[0].Value != 1 {
		t.Error("Values shares its slice with the catalogue")
	}
}

func TestNames(t *testing.T) {
	c := mustNew(t)
	for _, f := range c.Fields() {
		names := c.Names(f)
		if len(names) == 0 {
			t.Errorf("Names(%s) is empty", f)
		}
		if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Errorf("Names(%s) not sorted and deduplicated: %v", f, names)
		}
		for _, n := range names {
			if vals, ok := c.Values(f, n); !ok || len(vals) == 0 {
				t.Errorf("Names(%s) lists %q but Values does not know it", f, n)
			}
		}
	}
	want := []string{"reason.cross_room", "reason.cross_room_cancelled", "reason.force_closed", "reason.kicked",
		"reason.network_change", "reason.normal", "reason.timeout", "reason.timeout_retry"}
	if got := c.Names(FieldReason); !slices.Equal(got, want) {
		t.Errorf("Names(reason) = %v", got)
	}
	wantGroups := []string{"ai", "ingest", "media", "recording", "relay", "room", "screenshot", "web_recording"}
	if got := c.Names(FieldGroup); !slices.Equal(got, wantGroups) {
		t.Errorf("Names(group) = %v", got)
	}
	wantRelay := []string{"relay.connecting", "relay.disconnecting", "relay.failure", "relay.idle", "relay.recovering", "relay.running"}
	if got := c.Names(FieldRelayStatus); !slices.Equal(got, wantRelay) {
		t.Errorf("Names(relay_status) = %v", got)
	}
	if c.Names(Field("bogus")) != nil {
		t.Error("Names(bogus) not nil")
	}
}

func TestCodesFor(t *testing.T) {
	c := mustNew(t)
	has := func(codes []ScopedCode, name string) bool {
		return slices.ContainsFunc(codes, func(sc ScopedCode) bool { return sc.Name == name })
	}
	exit := c.CodesFor(104)
	for _, n := range []string{"reason.timeout", "reason.force_closed", "role.anchor"} {
		if !has(exit, n) {
			t.Errorf("CodesFor(104) lacks %s", n)
		}
	}
	if has(exit, "reason.network_change") || has(exit, "terminal.ios") {
		t.Error("CodesFor(104) holds codes of 103")
	}
	if !has(c.CodesFor(401), "room_type.string") || !has(c.CodesFor(104), "room_type.numeric") || has(c.CodesFor(702), "room_type.numeric") {
		t.Error("CodesFor: room types are carried by events with a room, and only by them")
	}
	if !has(c.CodesFor(401), "relay.failure") || !has(c.CodesFor(302), "leave.api_stop") || !has(c.CodesFor(103), "user_type.webrtc") {
		t.Error("CodesFor misses carried fields")
	}
	if got := c.CodesFor(999); got != nil {
		t.Errorf("CodesFor(999) = %v", got)
	}
}

func TestCodeAllocs(t *testing.T) {
	c := mustNew(t)
	if a := testing.AllocsPerRun(200, func() { _ = c.Code(FieldReason, 104, 2) }); a != 0 {
		t.Errorf("Code: %v allocs, want 0", a)
	}
}

func BenchmarkCode(b *testing.B) {
	c := mustNew(b)
	b.ReportAllocs()
	var known int
	for b.Loop() {
		if c.Code(FieldReason, 104, 2).Known {
			known++
		}
	}
	if known == 0 {
		b.Fatal("never known")
	}
}
