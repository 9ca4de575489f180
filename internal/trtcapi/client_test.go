package trtcapi

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/trtcapi/trtcapitest"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
)

// The documented examples' answers (tccli examples for trtc 2019-07-22), trimmed.
func userEventExample() map[string]any {
	return map[string]any{"Data": []any{
		map[string]any{"PeerId": "hyder11", "Content": []any{
			map[string]any{"Type": 0, "Time": 1589975272790, "EventId": 32793, "ParamOne": -1, "ParamTwo": -1},
		}},
		map[string]any{"PeerId": "user_66319581", "Content": []any{
			map[string]any{"Type": 0, "Time": 1589975202782, "EventId": 32769, "ParamOne": -1, "ParamTwo": -1},
			map[string]any{"Type": 2, "Time": 1589975202782, "EventId": 4007, "ParamOne": 1280, "ParamTwo": 720},
			// A parameter TRTC left out reads as unused.
			map[string]any{"Type": 0, "Time": 1589975202790, "EventId": 5005},
		}},
	}}
}

func roomInfoExample() map[string]any {
	return map[string]any{"Total": 2, "RoomList": []any{
		map[string]any{"CommId": "1400188366_563398783_1587959355", "RoomString": "113a730673fee2d86e93e26cddb25b7d",
			"CreateTime": 1587959355, "DestroyTime": 1588040628, "IsFinished": true, "UserId": "mixer_113a"},
		map[string]any{"CommId": "1400188366_3501_1586952940", "RoomString": "3501",
			"CreateTime": 1586952940, "DestroyTime": 0, "IsFinished": false, "UserId": "yuting"},
	}}
}

// callDetailExample is DescribeCallDetailInfo's answer in the documented shape
// (UserInformation, QualityData of TimeValue), for one user asked with DataType.
func callDetailExample() map[string]any {
	return map[string]any{"Total": 1,
		"UserList": []any{map[string]any{"RoomStr": "218695", "UserId": "user_2045351", "JoinTs": 1590065777,
			"LeaveTs": 1590065877, "DeviceType": "Android", "SdkVersion": "11.5.0.0", "ClientIp": "203.0.113.7", "Finished": true}},
		"Data": []any{
			map[string]any{"UserId": "user_2045351", "PeerId": "", "DataType": "rtt",
				"Content": []any{map[string]any{"Time": 1590065780, "Value": 120}, map[string]any{"Time": 1590065790, "Value": 850}}},
			map[string]any{"UserId": "user_2045351", "PeerId": "hyder11", "DataType": "aLoss",
				"Content": []any{map[string]any{"Time": 1590065790, "Value": 35.25}}},
		}}
}

func TestClientSignsAndDecodesEachAction(t *testing.T) {
	f := trtcapitest.New(t)
	f.Reply(ActionDescribeUserEvent, userEventExample())
	f.Reply(ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
	f.Reply(ActionDescribeRoomInfo, roomInfoExample())
	f.Reply(ActionDescribeCallDetailInfo, callDetailExample())
	c := fakeClient(t, f)
	ctx := context.Background()
	start, end := time.Unix(1590065777, 0), time.Unix(1590065877, 0)

	tests := []struct {
		action string
		call   func() (any, error)
		want   any
		params map[string]string // as sent, JSON-encoded values
	}{
		{
			action: ActionDescribeUserEvent,
			call: func() (any, error) {
				return c.DescribeUserEvent(ctx, UserEventQuery{CommID: "1400188366_218695_1590065777", SdkAppID: 1400188366,
					RoomID: "218695", UserID: "user_2045351", Start: start, End: end})
			},
			want: []PeerEvents{
				{PeerID: "hyder11", Events: []UserEvent{{Type: 0, Time: time.UnixMilli(1589975272790), EventID: 32793, ParamOne: -1, ParamTwo: -1}}},
				{PeerID: "user_66319581", Events: []UserEvent{
					{Type: 0, Time: time.UnixMilli(1589975202782), EventID: 32769, ParamOne: -1, ParamTwo: -1},
					{Type: 2, Time: time.UnixMilli(1589975202782), EventID: 4007, ParamOne: 1280, ParamTwo: 720},
					{Type: 0, Time: time.UnixMilli(1589975202790), EventID: 5005, ParamOne: -1, ParamTwo: -1},
				}},
			},
			params: map[string]string{"CommId": `"1400188366_218695_1590065777"`, "SdkAppId": "1400188366", "RoomId": `"218695"`,
				"UserId": `"user_2045351"`, "StartTime": "1590065777", "EndTime": "1590065877"},
		},
		{
			action: ActionDescribeUnusualEvent,
			call: func() (any, error) {
				return c.DescribeUnusualEvent(ctx, UnusualEventQuery{SdkAppID: 1400188366, RoomID: "461", Start: start, End: end})
			},
			want: []AbnormalExperience{
				{UserID: "itachi3", RoomID: "461", ExperienceID: 4, EventTime: time.Unix(1592448600, 0),
					Events: []AbnormalEvent{{EventID: 2011}, {EventID: 2012, PeerID: "itachili1"}}},
				{UserID: "itachi3", RoomID: "461", ExperienceID: 5, EventTime: time.Unix(1592448600, 0),
					Events: []AbnormalEvent{{EventID: 2014}}},
			},
			params: map[string]string{"SdkAppId": "1400188366", "RoomId": `"461"`, "StartTime": "1590065777", "EndTime": "1590065877"},
		},
		{
			action: ActionDescribeRoomInfo,
			call: func() (any, error) {
				rooms, total, err := c.DescribeRoomInfo(ctx, RoomInfoQuery{SdkAppID: 1400188366, RoomID: "3501", Start: start, End: end})
				if total != 2 {
					t.Errorf("total = %d, want 2", total)
				}
				return rooms, err
			},
			want: []RoomState{
				{CommID: "1400188366_563398783_1587959355", RoomString: "113a730673fee2d86e93e26cddb25b7d",
					CreateTime: time.Unix(1587959355, 0), DestroyTime: time.Unix(1588040628, 0), IsFinished: true, UserID: "mixer_113a"},
				{CommID: "1400188366_3501_1586952940", RoomString: "3501", CreateTime: time.Unix(1586952940, 0), UserID: "yuting"},
			},
			params: map[string]string{"SdkAppId": "1400188366", "RoomId": `"3501"`, "StartTime": "1590065777", "EndTime": "1590065877",
				"PageNumber": "0", "PageSize": "100"},
		},
		{
			action: ActionDescribeCallDetailInfo,
			call: func() (any, error) {
				return c.DescribeCallDetailInfo(ctx, CallDetailQuery{CommID: "1400188366_218695_1590065777", SdkAppID: 1400188366,
					UserIDs: []string{"user_2045351"}, DataTypes: []string{"rtt", "aLoss"}, Start: start, End: end})
			},
			want: CallDetail{
				Users: []CallUser{{UserID: "user_2045351", RoomStr: "218695", Joined: time.Unix(1590065777, 0), Left: time.Unix(1590065877, 0),
					DeviceType: "Android", SDKVersion: "11.5.0.0", ClientIP: "203.0.113.7", Finished: true}},
				Quality: []QualitySeries{
					{UserID: "user_2045351", DataType: "rtt", Points: []QualityPoint{{time.Unix(1590065780, 0), 120}, {time.Unix(1590065790, 0), 850}}},
					{UserID: "user_2045351", PeerID: "hyder11", DataType: "aLoss", Points: []QualityPoint{{time.Unix(1590065790, 0), 35.25}}},
				},
			},
			params: map[string]string{"CommId": `"1400188366_218695_1590065777"`, "SdkAppId": "1400188366", "UserIds": `["user_2045351"]`,
				"DataType": `["rtt","aLoss"]`, "StartTime": "1590065777", "EndTime": "1590065877", "PageNumber": "0", "PageSize": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			got, err := tt.call()
			if err != nil {
				t.Fatalf("%s: %v", tt.action, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s decoded\n got %+v\nwant %+v", tt.action, got, tt.want)
			}
			calls := f.Calls(tt.action)
			if len(calls) != 1 {
				t.Fatalf("%d %s requests reached the fake, want 1", len(calls), tt.action)
			}
			if calls[0].Region != "ap-singapore" {
				t.Errorf("X-TC-Region %q, want the configured ap-singapore", calls[0].Region)
			}
			sent := map[string]string{}
			for k, v := range calls[0].Params {
				b, _ := json.Marshal(v)
				sent[k] = string(b)
			}
			if !reflect.DeepEqual(sent, tt.params) {
				t.Errorf("%s sent %v, want %v", tt.action, sent, tt.params)
			}
		})
	}
}

func TestClientErrorsAreClassified(t *testing.T) {
	tests := []struct {
		code     string
		class    Class
		sentinel error
	}{
		{"AuthFailure.SignatureFailure", ClassAuth, ErrAuth},
		{"AuthFailure.UnauthorizedOperation", ClassAuth, ErrAuth},
		{"UnauthorizedOperation.SdkAppId", ClassAuth, ErrAuth},
		{"RequestLimitExceeded", ClassRateLimited, ErrRateLimited},
		{"RequestLimitExceeded.UinLimitExceeded", ClassRateLimited, ErrRateLimited},
		{"ResourceNotFound", ClassNotFound, ErrNotFound},
		{"FailedOperation.RoomNotExist", ClassNotFound, ErrNotFound},
		{"InternalError", ClassAPI, nil},
		{"InvalidParameter.OutOfRange", ClassAPI, nil},
	}
	f := trtcapitest.New(t)
	c := fakeClient(t, f)
	q := UnusualEventQuery{SdkAppID: 1400000001, RoomID: "1", Start: time.Unix(1590065777, 0), End: time.Unix(1590065877, 0)}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f.Fail(ActionDescribeUnusualEvent, tt.code, "message for "+tt.code)
			_, err := c.DescribeUnusualEvent(context.Background(), q)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Class != tt.class || e.Code != tt.code || e.Action != ActionDescribeUnusualEvent ||
				e.Message != "message for "+tt.code || e.RequestID == "" {
				t.Errorf("err = %+v, want class %s code %s with message and request id", e, tt.class, tt.code)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			for _, other := range []error{ErrAuth, ErrRateLimited, ErrNotFound, ErrTimeout} {
				if other != tt.sentinel && errors.Is(err, other) {
					t.Errorf("errors.Is(%v, %v) = true", err, other)
				}
			}
			var sdk *tcerr.TencentCloudSDKError
			if !errors.As(err, &sdk) || sdk.Code != tt.code {
				t.Errorf("the SDK's error is not reachable with errors.As: %v", err)
			}
		})
	}
}

func TestClientWrongCredentialsAreAuthFailures(t *testing.T) {
	f := trtcapitest.New(t)
	f.Reply(ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
	tests := []struct {
		name     string
		id, key  string
		wantCode string
	}{
		{"wrong secret key", trtcapitest.SecretID, "not-the-secret", "AuthFailure.SignatureFailure"},
		{"unknown secret id", "AKIDunknown", trtcapitest.SecretKey, "AuthFailure.SecretIdNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fakeConfig(f)
			cfg.SecretID, cfg.SecretKey = tt.id, tt.key
			c, err := NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.DescribeUnusualEvent(context.Background(), UnusualEventQuery{SdkAppID: 1400000001,
				Start: time.Unix(1590065777, 0), End: time.Unix(1590065877, 0)})
			var e *Error
			if !errors.Is(err, ErrAuth) || !errors.As(err, &e) || e.Code != tt.wantCode {
				t.Errorf("err = %v, want an auth failure %s", err, tt.wantCode)
			}
		})
	}
	if n := len(f.Calls("")); n != 0 {
		t.Errorf("%d requests with wrong credentials reached an action", n)
	}
}

// TestFakeVerifiesSignatures makes sure the fake's verification is not a rubber
// stamp: a request the SDK signed passes; the same request with its body, action
// header or host changed does not.
func TestFakeVerifiesSignatures(t *testing.T) {
	f := trtcapitest.New(t)
	f.Reply(ActionDescribeUnusualEvent, trtcapitest.UnusualEventExample())
	c := fakeClient(t, f)
	if _, err := c.DescribeUnusualEvent(context.Background(), UnusualEventQuery{SdkAppID: 1400000001,
		Start: time.Unix(1590065777, 0), End: time.Unix(1590065877, 0)}); err != nil {
		t.Fatal(err)
	}
	r, body := f.Last()
	secrets := map[string]string{trtcapitest.SecretID: trtcapitest.SecretKey}
	if code, msg := trtcapitest.CheckRequest(r, body, secrets, time.Now()); code != "" {
		t.Fatalf("the SDK's own request fails verification: %s %s", code, msg)
	}
	tests := []struct {
		name   string
		mutate func(*testing.T) ([]byte, time.Time)
		want   string
	}{
		{"body changed", func(*testing.T) ([]byte, time.Time) {
			return []byte(strings.Replace(string(body), "1400000001", "1400000002", 1)), time.Now()
		}, "AuthFailure.SignatureFailure"},
		{"host changed", func(*testing.T) ([]byte, time.Time) {
			r.Host = "trtc.tencentcloudapi.com"
			return body, time.Now()
		}, "AuthFailure.SignatureFailure"},
		{"ten minutes later", func(*testing.T) ([]byte, time.Time) {
			return body, time.Now().Add(10 * time.Minute)
		}, "AuthFailure.SignatureExpire"},
		{"no version", func(*testing.T) ([]byte, time.Time) {
			r.Header.Del("X-TC-Version")
			return body, time.Now()
		}, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			last, _ := f.Last()
			r = last.Clone(context.Background())
			b, now := tt.mutate(t)
			if code, _ := trtcapitest.CheckRequest(r, b, secrets, now); code != tt.want {
				t.Errorf("code %q, want %q", code, tt.want)
			}
		})
	}
}

func TestClientHonoursTheContextDeadline(t *testing.T) {
	f := trtcapitest.New(t)
	f.HangAll()
	c := fakeClient(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.DescribeUnusualEvent(ctx, UnusualEventQuery{SdkAppID: 1400000001,
		Start: time.Unix(1590065777, 0), End: time.Unix(1590065877, 0)})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTimeout) {
		t.Errorf("err = %v, want a timeout wrapping context.DeadlineExceeded", err)
	}
}

func TestClientRejectsBadQueries(t *testing.T) {
	f := trtcapitest.New(t)
	c := fakeClient(t, f)
	ctx := context.Background()
	t0 := time.Unix(1590065777, 0)
	tests := []struct {
		name string
		call func() error
	}{
		{"user event without CommId", func() error {
			_, err := c.DescribeUserEvent(ctx, UserEventQuery{SdkAppID: 1, RoomID: "1", UserID: "u", Start: t0, End: t0.Add(time.Minute)})
			return err
		}},
		{"user event with an empty window", func() error {
			_, err := c.DescribeUserEvent(ctx, UserEventQuery{CommID: "1_1_1", SdkAppID: 1, RoomID: "1", UserID: "u", Start: t0, End: t0})
			return err
		}},
		{"unusual events over an hour", func() error {
			_, err := c.DescribeUnusualEvent(ctx, UnusualEventQuery{SdkAppID: 1, Start: t0, End: t0.Add(time.Hour + time.Second)})
			return err
		}},
		{"room info over a day", func() error {
			_, _, err := c.DescribeRoomInfo(ctx, RoomInfoQuery{SdkAppID: 1, Start: t0, End: t0.Add(25 * time.Hour)})
			return err
		}},
		{"room info page too large", func() error {
			_, _, err := c.DescribeRoomInfo(ctx, RoomInfoQuery{SdkAppID: 1, Start: t0, End: t0.Add(time.Hour), PageSize: 101})
			return err
		}},
		{"call detail without CommId", func() error {
			_, err := c.DescribeCallDetailInfo(ctx, CallDetailQuery{SdkAppID: 1, UserIDs: []string{"u"}, DataTypes: []string{"rtt"}, Start: t0, End: t0.Add(time.Minute)})
			return err
		}},
		{"call detail for seven users", func() error {
			_, err := c.DescribeCallDetailInfo(ctx, CallDetailQuery{CommID: "1_1_1", SdkAppID: 1, UserIDs: []string{"a", "b", "c", "d", "e", "f", "g"},
				DataTypes: []string{"rtt"}, Start: t0, End: t0.Add(time.Minute)})
			return err
		}},
		{"call detail over an hour", func() error {
			_, err := c.DescribeCallDetailInfo(ctx, CallDetailQuery{CommID: "1_1_1", SdkAppID: 1, UserIDs: []string{"u"}, DataTypes: []string{"rtt"},
				Start: t0, End: t0.Add(time.Hour + time.Second)})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if n := len(f.Calls("")); n != 0 {
		t.Errorf("%d bad queries were sent", n)
	}
}

func TestClientUnknownActionAndOversizedAnswers(t *testing.T) {
	f := trtcapitest.New(t)
	f.Reply(ActionDescribeUnusualEvent, map[string]any{"Total": 0, "Padding": strings.Repeat("x", maxResponseBytes)})
	c := fakeClient(t, f)
	_, err := c.DescribeUnusualEvent(context.Background(), UnusualEventQuery{SdkAppID: 1400000001,
		Start: time.Unix(1590065777, 0), End: time.Unix(1590065877, 0)})
	var e *Error
	if !errors.As(err, &e) || e.Class != ClassAPI {
		t.Errorf("oversized answer: err = %v, want an API error", err)
	}
	_, _, err = c.DescribeRoomInfo(context.Background(), RoomInfoQuery{SdkAppID: 1400000001,
		Start: time.Unix(1590065777, 0), End: time.Unix(1590065877, 0)})
	if !errors.As(err, &e) || e.Code != "InvalidAction" {
		t.Errorf("unanswered action: err = %v, want InvalidAction", err)
	}
}

// fakeConfig is a client configuration for the fake f.
func fakeConfig(f *trtcapitest.Fake) Config {
	return Config{SecretID: trtcapitest.SecretID, SecretKey: trtcapitest.SecretKey, Region: "ap-singapore", Endpoint: f.URL()}
}

// fakeClient is a client of the fake f.
func fakeClient(t *testing.T, f *trtcapitest.Fake) *Client {
	t.Helper()
	c, err := NewClient(fakeConfig(f))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}
