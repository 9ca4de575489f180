package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The TRTC documents the callback codes come from.
const (
	docRoomMedia  = "https://trtc.io/document/39558"
	docRecording  = "https://trtc.io/document/54914" // cloud and web page recording
	docRelay      = "https://trtc.io/document/54913"
	docScreenshot = "https://trtc.io/document/64802"
	docIngest     = "https://trtc.io/document/62717"
	docAI         = "https://trtc.io/document/68331"
)

// documented is every callback code TRTC's documents define, as read from them: the
// field, the event type scoping it (0 when unscoped), the wire value, hook's machine
// name, TRTC's constant ("" when the document gives none), the document and the title.
var documented = []struct {
	field            Field
	eventType, value int
	name, cnst       string
	doc, title       string
}{
	{FieldGroup, 0, 1, "room", "EVENT_GROUP_ROOM", docRoomMedia, "Room events"},
	{FieldGroup, 0, 2, "media", "EVENT_GROUP_MEDIA", docRoomMedia, "Media events"},
	{FieldGroup, 0, 3, "recording", "", docRecording, "Cloud recording"},
	{FieldGroup, 0, 4, "relay", "EVENT_GROUP_CLOUD_PUBLISH", docRelay, "Relay to CDN"},
	{FieldGroup, 0, 6, "screenshot", "EVENT_GROUP_SCREEN_SHOT", docScreenshot, "Screenshot"},
	{FieldGroup, 0, 7, "ingest", "EVENT_GROUP_STREAM_INGEST", docIngest, "Stream ingest"},
	{FieldGroup, 0, 8, "web_recording", "", docRecording, "Web page recording"},
	{FieldGroup, 0, 9, "ai", "EVENT_GROUP_AI_SERVICE", docAI, "AI conversation"},
	{FieldEvent, 0, 101, "room.create", "EVENT_TYPE_CREATE_ROOM", docRoomMedia, "Room created"},
	{FieldEvent, 0, 102, "room.dismiss", "EVENT_TYPE_DISMISS_ROOM", docRoomMedia, "Room dismissed"},
	{FieldEvent, 0, 103, "room.enter", "EVENT_TYPE_ENTER_ROOM", docRoomMedia, "User entered the room"},
	{FieldEvent, 0, 104, "room.exit", "EVENT_TYPE_EXIT_ROOM", docRoomMedia, "User left the room"},
	{FieldEvent, 0, 105, "room.change_role", "EVENT_TYPE_CHANGE_ROLE", docRoomMedia, "User switched role"},
	{FieldEvent, 0, 201, "media.video_start", "EVENT_TYPE_START_VIDEO", docRoomMedia, "Video push started"},
	{FieldEvent, 0, 202, "media.video_stop", "EVENT_TYPE_STOP_VIDEO", docRoomMedia, "Video push stopped"},
	{FieldEvent, 0, 203, "media.audio_start", "EVENT_TYPE_START_AUDIO", docRoomMedia, "Audio push started"},
	{FieldEvent, 0, 204, "media.audio_stop", "EVENT_TYPE_STOP_AUDIO", docRoomMedia, "Audio push stopped"},
	{FieldEvent, 0, 205, "media.substream_start", "EVENT_TYPE_START_ASSIT", docRoomMedia, "Substream push started"},
	{FieldEvent, 0, 206, "media.substream_stop", "EVENT_TYPE_STOP_ASSIT", docRoomMedia, "Substream push stopped"},
	{FieldEvent, 0, 301, "recording.start", "EVENT_TYPE_CLOUD_RECORDING_RECORDER_START", docRecording, "Recorder start"},
	{FieldEvent, 0, 302, "recording.stop", "EVENT_TYPE_CLOUD_RECORDING_RECORDER_STOP", docRecording, "Recorder stopped"},
	{FieldEvent, 0, 303, "recording.upload_start", "EVENT_TYPE_CLOUD_RECORDING_UPLOAD_START", docRecording, "Upload start"},
	{FieldEvent, 0, 304, "recording.file_info", "EVENT_TYPE_CLOUD_RECORDING_FILE_INFO", docRecording, "Recording index file uploaded"},
	{FieldEvent, 0, 305, "recording.upload_stop", "EVENT_TYPE_CLOUD_RECORDING_UPLOAD_STOP", docRecording, "Upload finished"},
	{FieldEvent, 0, 306, "recording.failover", "EVENT_TYPE_CLOUD_RECORDING_FAILOVER", docRecording, "Recording task migrated (failover)"},
	{FieldEvent, 0, 307, "recording.file_slice", "EVENT_TYPE_CLOUD_RECORDING_FILE_SLICE", docRecording, "Recording file slice created"},
	{FieldEvent, 0, 308, "recording.upload_error", "EVENT_TYPE_CLOUD_RECORDING_UPLOAD_ERROR", docRecording, "Upload error"},
	{FieldEvent, 0, 309, "recording.download_image_error", "EVENT_TYPE_CLOUD_RECORDING_DOWNLOAD_IMAGE_ERROR", docRecording, "Failed to download an image"},
	{FieldEvent, 0, 310, "recording.mp4_stop", "EVENT_TYPE_CLOUD_RECORDING_MP4_STOP", docRecording, "MP4 recording task ended"},
	{FieldEvent, 0, 311, "recording.vod_commit", "EVENT_TYPE_CLOUD_RECORDING_VOD_COMMIT", docRecording, "Recording upload to VOD"},
	{FieldEvent, 0, 312, "recording.vod_stop", "EVENT_TYPE_CLOUD_RECORDING_VOD_STOP", docRecording, "VOD recording task ended"},
	{FieldEvent, 0, 401, "relay.cdn_status", "EVENT_TYPE_CLOUD_PUBLISH_CDN_STATUS", docRelay, "Relay to CDN status"},
	{FieldEvent, 0, 601, "screenshot.result", "EVENT_TYPE_VIDEO_SCREENSHOT", docScreenshot, "Screenshot uploaded"},
	{FieldEvent, 0, 701, "ingest.start", "EVENT_TYPE_STREAM_INGEST_START", docIngest, "Stream ingest start"},
	{FieldEvent, 0, 702, "ingest.stop", "EVENT_TYPE_STREAM_INGEST_STOP", docIngest, "Stream ingest stop"},
	{FieldEvent, 0, 801, "web_recording.start", "EVENT_TYPE_WEB_RECORDER_START", docRecording, "Web page recording start"},
	{FieldEvent, 0, 802, "web_recording.stop", "EVENT_TYPE_WEB_RECORDER_STOP", docRecording, "Web page recording stop"},
	{FieldEvent, 0, 803, "web_recording.status", "EVENT_TYPE_WEB_RECORDER_STATUS_UPDATE", docRecording, "Web page recording status update"},
	{FieldEvent, 0, 804, "web_recording.resource_limit", "EVENT_TYPE_WEB_RECORDER_RESOURCE_LIMIT", docRecording, "Web page recording stopped at a resource limit"},
	{FieldEvent, 0, 901, "ai.start", "EVENT_TYPE_AI_SERVICE_START", docAI, "AI conversation start"},
	{FieldEvent, 0, 902, "ai.stop", "EVENT_TYPE_AI_SERVICE_STOP", docAI, "AI conversation stopped"},
	{FieldEvent, 0, 903, "ai.message", "EVENT_TYPE_AI_SERVICE_MSG", docAI, "AI conversation sentence"},
	{FieldEvent, 0, 904, "ai.speech_start", "EVENT_TYPE_AI_START_OF_SPEECH", docAI, "AI conversation: user started speaking"},
	{FieldEvent, 0, 905, "ai.speech_end", "EVENT_TYPE_AI_SPEAKING_FINISHED", docAI, "AI conversation: the AI finished speaking"},
	{FieldEvent, 0, 906, "ai.metric", "EVENT_TYPE_AI_METRIC_MESSAGE", docAI, "AI conversation metric"},
	{FieldEvent, 0, 908, "ai.error_metric", "EVENT_TYPE_AI_ERROR_METRIC_CALLBACK", docAI, "AI conversation error"},
	{FieldEvent, 0, 909, "ai.session_status", "EVENT_TYPE_AI_SESSION_STATUS_CALLBACK", docAI, "AI conversation session status"},
	{FieldReason, 103, 1, "reason.normal", "", docRoomMedia, "Normal"},
	{FieldReason, 103, 2, "reason.network_change", "", docRoomMedia, "Network change"},
	{FieldReason, 103, 3, "reason.timeout_retry", "", docRoomMedia, "Timeout retry"},
	{FieldReason, 103, 4, "reason.cross_room", "", docRoomMedia, "Cross-room"},
	{FieldReason, 104, 1, "reason.normal", "", docRoomMedia, "Normal"},
	{FieldReason, 104, 2, "reason.timeout", "", docRoomMedia, "Timeout"},
	{FieldReason, 104, 3, "reason.kicked", "", docRoomMedia, "Removed from the room"},
	{FieldReason, 104, 4, "reason.cross_room_cancelled", "", docRoomMedia, "Cross-room cancelled"},
	{FieldReason, 104, 5, "reason.force_closed", "", docRoomMedia, "Force-closed"},
	{FieldReason, 202, 0, "reason.normal", "", docRoomMedia, "Normal (turned off by the user)"},
	{FieldReason, 204, 0, "reason.normal", "", docRoomMedia, "Normal (turned off by the user)"},
	{FieldReason, 206, 0, "reason.normal", "", docRoomMedia, "Normal (turned off by the user)"},
	{FieldRole, 0, 20, "role.anchor", "MEMBER_TRTC_ANCHOR", docRoomMedia, "Anchor"},
	{FieldRole, 0, 21, "role.audience", "MEMBER_TRTC_VIEWER", docRoomMedia, "Audience"},
	{FieldTerminal, 0, 1, "terminal.windows", "TERMINAL_TYPE_WINDOWS", docRoomMedia, "Windows"},
	{FieldTerminal, 0, 2, "terminal.android", "TERMINAL_TYPE_ANDROID", docRoomMedia, "Android"},
	{FieldTerminal, 0, 3, "terminal.ios", "TERMINAL_TYPE_IOS", docRoomMedia, "iOS"},
	{FieldTerminal, 0, 4, "terminal.linux", "TERMINAL_TYPE_LINUX", docRoomMedia, "Linux"},
	{FieldTerminal, 0, 100, "terminal.other", "TERMINAL_TYPE_OTHER", docRoomMedia, "Other"},
	{FieldUserType, 0, 1, "user_type.webrtc", "USER_TYPE_WEBRTC", docRoomMedia, "WebRTC"},
	{FieldUserType, 0, 2, "user_type.mini_program", "USER_TYPE_APPLET", docRoomMedia, "Mini Program"},
	{FieldUserType, 0, 3, "user_type.native_sdk", "USER_TYPE_NATIVE_SDK", docRoomMedia, "Native SDK"},
	{FieldStatus, 301, 0, "status.ok", "", docRecording, "Succeeded"},
	{FieldStatus, 301, 1, "status.failed", "", docRecording, "Failed"},
	{FieldStatus, 303, 0, "status.ok", "", docRecording, "Succeeded"},
	{FieldStatus, 303, 1, "status.failed", "", docRecording, "Failed"},
	{FieldStatus, 305, 0, "status.ok", "", docRecording, "All files uploaded"},
	{FieldStatus, 305, 1, "status.files_remaining", "", docRecording, "Files left on the server or backup storage"},
	{FieldStatus, 305, 2, "status.recovered", "", docRecording, "Left-over files recovered and uploaded"},
	{FieldStatus, 306, 0, "status.ok", "", docRecording, "Migration completed"},
	{FieldStatus, 310, 0, "status.ok", "", docRecording, "All MP4 files uploaded"},
	{FieldStatus, 310, 1, "status.files_remaining", "", docRecording, "MP4 files left on the server or backup storage"},
	{FieldStatus, 310, 2, "status.failed", "", docRecording, "Failed on an error (probably could not download the HLS files from COS)"},
	{FieldStatus, 311, 0, "status.ok", "", docRecording, "Done"},
	{FieldStatus, 311, 1, "status.files_remaining", "", docRecording, "File left on the server or backup storage"},
	{FieldStatus, 311, 2, "status.failed", "", docRecording, "Failed"},
	{FieldStatus, 312, 0, "status.ok", "", docRecording, "Normally"},
	{FieldStatus, 312, 1, "status.failed", "", docRecording, "Abnormally (failed)"},
	{FieldStatus, 701, 0, "status.ok", "STATUS_START_SUCCESS", docIngest, "Succeeded"},
	{FieldStatus, 701, 1, "status.failed", "STATUS_START_FAILURE", docIngest, "Failed"},
	{FieldStatus, 701, 2, "status.restarted", "STATUS_START_AGAIN", docIngest, "Starting again (TRTC retries by itself)"},
	{FieldStatus, 702, 0, "status.ok", "STATUS_STOP_SUCCESS", docIngest, "Succeeded"},
	{FieldStatus, 801, 1, "status.ok", "", docRecording, "Succeeded"},
	{FieldStatus, 801, 2, "status.failed", "", docRecording, "Failed"},
	{FieldStatus, 801, 3, "status.abnormal_exit", "", docRecording, "Exited abnormally during recording (TRTC recovers by itself)"},
	{FieldStatus, 801, 4, "status.migrated", "", docRecording, "Task migrated (TRTC handles it)"},
	{FieldStatus, 801, 5, "status.error_stopped", "", docRecording, "Stopped on an exception, for good"},
	{FieldStatus, 802, 1, "status.ok", "", docRecording, "Ended normally"},
	{FieldStatus, 803, 1, "status.page_refreshed", "", docRecording, "Page refreshed"},
	{FieldStatus, 803, 2, "status.paused", "", docRecording, "Paused"},
	{FieldStatus, 803, 3, "status.resumed", "", docRecording, "Resumed"},
	{FieldStatus, 804, 1, "status.time_limit", "", docRecording, "Maximum recording time reached"},
	{FieldStatus, 804, 2, "status.resolution_limit", "", docRecording, "A video on the page exceeded the maximum resolution (1920x1080)"},
	{FieldStatus, 901, 0, "status.ok", "", docAI, "Succeeded"},
	{FieldStatus, 901, 1, "status.failed", "", docAI, "Failed"},
	{FieldLeaveCode, 302, 0, "leave.api_stop", "", docRecording, "Stopped by the API"},
	{FieldLeaveCode, 302, 1, "leave.kicked_by_customer", "", docRecording, "Recorder removed from the room by the customer"},
	{FieldLeaveCode, 302, 2, "leave.room_dismissed_by_customer", "", docRecording, "Room dismissed by the customer"},
	{FieldLeaveCode, 302, 3, "leave.kicked_by_server", "", docRecording, "Recorder removed from the room by the server"},
	{FieldLeaveCode, 302, 4, "leave.room_dismissed_by_server", "", docRecording, "Room dismissed by the server"},
	{FieldLeaveCode, 302, 99, "leave.idle_timeout", "", docRecording, "No stream to record for the idle timeout"},
	{FieldLeaveCode, 302, 100, "leave.room_timeout", "", docRecording, "Room timed out"},
	{FieldLeaveCode, 302, 101, "leave.user_entered_elsewhere", "", docRecording, "The same user entered the room elsewhere"},
	{FieldLeaveCode, 305, 0, "leave.ok", "", docRecording, "All files uploaded"},
	{FieldLeaveCode, 305, 1, "leave.files_remaining", "", docRecording, "Files left on the server or backup storage"},
	{FieldLeaveCode, 305, 2, "leave.recovered", "", docRecording, "Left-over files recovered and uploaded"},
	{FieldLeaveCode, 902, 0, "leave.api_stop", "", docAI, "Stopped by the API"},
	{FieldLeaveCode, 902, 1, "leave.kicked_by_customer", "", docAI, "AI bot removed from the room by the customer"},
	{FieldLeaveCode, 902, 2, "leave.room_dismissed_by_customer", "", docAI, "Room dismissed by the customer"},
	{FieldLeaveCode, 902, 3, "leave.kicked_by_server", "", docAI, "AI bot removed from the room by the server"},
	{FieldLeaveCode, 902, 4, "leave.room_dismissed_by_server", "", docAI, "Room dismissed by the server"},
	{FieldLeaveCode, 902, 98, "leave.internal_error", "", docAI, "Internal error (TRTC advises retrying)"},
	{FieldLeaveCode, 902, 99, "leave.idle_timeout", "", docAI, "No user stream in the room for the idle timeout"},
	{FieldRelayStatus, 0, 0, "relay.idle", "IDLE", docRelay, "Idle"},
	{FieldRelayStatus, 0, 1, "relay.connecting", "CONNECTING", docRelay, "Connecting"},
	{FieldRelayStatus, 0, 2, "relay.running", "RUNNING", docRelay, "Running"},
	{FieldRelayStatus, 0, 3, "relay.recovering", "RECOVERING", docRelay, "Recovering"},
	{FieldRelayStatus, 0, 4, "relay.failure", "FAILURE", docRelay, "Failure"},
	{FieldRelayStatus, 0, 5, "relay.disconnecting", "DISCONNECTING", docRelay, "Disconnecting"},
	{FieldRoomType, 0, 0, "room_type.numeric", "", docRelay, "Numeric room ID"},
	{FieldRoomType, 0, 1, "room_type.string", "", docRelay, "String room ID"},
}

// TestEveryDocumentedCode pins each documented code to its name, constant, title and
// document, and the catalogue to exactly these codes.
func TestEveryDocumentedCode(t *testing.T) {
	c := mustNew(t)
	for _, d := range documented {
		t.Run(fmt.Sprintf("%s/%d/%d", d.field, d.eventType, d.value), func(t *testing.T) {
			got := c.Code(d.field, d.eventType, d.value)
			want := Code{Field: d.field, Value: d.value, Name: d.name, Const: d.cnst, Title: d.title, Known: true}
			if got != want {
				t.Errorf("Code = %+v\n          want %+v", got, want)
			}
			if doc := c.Doc(d.field, d.eventType, d.value); doc != d.doc {
				t.Errorf("Doc = %q, want %q", doc, d.doc)
			}
			if !strings.HasPrefix(d.name, c.Prefix(d.field)) {
				t.Errorf("name %q lacks the prefix %q", d.name, c.Prefix(d.field))
			}
		})
	}
	listing, _ := c.Entries(Callback)
	if len(listing.Callback) != len(documented) {
		t.Errorf("the catalogue holds %d callback codes, the documents %d", len(listing.Callback), len(documented))
	}
	if doc := c.Doc(FieldStatus, 310, 9); doc != "" {
		t.Errorf("Doc of an unknown code = %q", doc)
	}
	if doc := c.Doc(FieldRole, 104, 20); doc != docRoomMedia {
		t.Errorf("Doc ignores the event type of an unscoped field: %q", doc)
	}
}

// TestFailuresAreNamedSo: a rule matching `{regex: "fail|error"}` on a code's name
// finds every code whose words report a failure or an error.
func TestFailuresAreNamedSo(t *testing.T) {
	c := mustNew(t)
	failure := regexp.MustCompile(`(?i)fail|error`)
	listing, _ := c.Entries(Callback)
	for _, sc := range listing.Callback {
		if failure.MatchString(sc.Title) && !failure.MatchString(sc.Name) {
			t.Errorf("%s %d/%d %q reports a failure but is named %q", sc.Field, sc.EventType, sc.Value, sc.Title, sc.Name)
		}
	}
	// The case the issue reported: 310 Status 2 is the MP4 task failing.
	if got := c.Code(FieldStatus, 310, 2); !regexp.MustCompile("fail").MatchString(got.Name) {
		t.Errorf("310 Status 2 is %s: a `status: {regex: fail}` rule misses it", got.Name)
	}
}

// TestHeadlinesRead: a page's headline is "<event>: <outcome>"; the outcome must not
// repeat the event's words ("Stream ingest started: Ingest failed to start").
func TestHeadlinesRead(t *testing.T) {
	c := mustNew(t)
	listing, _ := c.Entries(Callback)
	for _, sc := range listing.Callback {
		if sc.EventType == 0 || sc.Field == FieldLeaveCode {
			continue // leave codes are told as a sentence of their own, not after the event
		}
		event := strings.Fields(strings.ToLower(c.Code(FieldEvent, 0, sc.EventType).Title))
		first := strings.Trim(strings.ToLower(strings.Fields(sc.Title)[0]), "(),:")
		if len(first) >= 5 && slices.Contains(event, first) {
			t.Errorf("%s %d/%d: %q repeats the event title %q", sc.Field, sc.EventType, sc.Value, sc.Title, c.Code(FieldEvent, 0, sc.EventType).Title)
		}
	}
	for _, tt := range []struct {
		eventType, status int
		want              string
	}{
		{701, 1, "Stream ingest start: Failed"},
		{701, 2, "Stream ingest start: Starting again (TRTC retries by itself)"},
		{301, 1, "Recorder start: Failed"},
		{310, 2, "MP4 recording task ended: Failed on an error (probably could not download the HLS files from COS)"},
		{311, 2, "Recording upload to VOD: Failed"},
		{801, 2, "Web page recording start: Failed"},
		{804, 1, "Web page recording stopped at a resource limit: Maximum recording time reached"},
	} {
		got := c.Code(FieldEvent, 0, tt.eventType).Title + ": " + c.Code(FieldStatus, tt.eventType, tt.status).Title
		if got != tt.want {
			t.Errorf("headline %d/%d = %q, want %q", tt.eventType, tt.status, got, tt.want)
		}
	}
}
