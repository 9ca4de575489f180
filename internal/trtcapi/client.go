// Package trtcapi is Tencent Cloud's TRTC call-quality API, as hook speaks it:
// the four actions enrich asks (DescribeUserEvent, DescribeUnusualEvent,
// DescribeRoomInfo, DescribeCallDetailInfo), signed TC3-HMAC-SHA256 by the
// SDK's common client, their answers bounded and decoded, and every failure
// an *Error of a Class (auth, rate limited, not found, timeout...). It owns
// the client's configuration (Config, ConfigFromEnv) and nothing of pages.
package trtcapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// The API this package speaks: Tencent Cloud API 3.0, service trtc, version 2019-07-22.
const (
	Service = "trtc"
	Version = "2019-07-22"

	ActionDescribeUserEvent    = "DescribeUserEvent"
	ActionDescribeUnusualEvent = "DescribeUnusualEvent"
	ActionDescribeRoomInfo     = "DescribeRoomInfo"
	// ActionDescribeCallDetailInfo is the old DescribeCallDetail: a call's
	// users (SDK version, device type) and their quality data.
	ActionDescribeCallDetailInfo = "DescribeCallDetailInfo"
)

// Actions lists every action this package sends, for limiters and metrics.
func Actions() []string {
	return []string{ActionDescribeUserEvent, ActionDescribeUnusualEvent, ActionDescribeRoomInfo, ActionDescribeCallDetailInfo}
}

// Limits TRTC documents for the call-quality actions.
const (
	// DocumentedRate is each action's request limit: 20 per second.
	DocumentedRate = 20
	// Retention is how far back the actions can look.
	Retention = 14 * 24 * time.Hour
	// MaxUnusualWindow bounds DescribeUnusualEvent's StartTime..EndTime.
	MaxUnusualWindow = time.Hour
	// MaxRoomInfoWindow bounds DescribeRoomInfo's StartTime..EndTime.
	MaxRoomInfoWindow = 24 * time.Hour
	// MaxRoomInfoPage is DescribeRoomInfo's largest PageSize.
	MaxRoomInfoPage = 100
	// MaxCallDetailWindow bounds DescribeCallDetailInfo's StartTime..EndTime
	// when it is asked for quality data (DataType), as hook always does.
	MaxCallDetailWindow = time.Hour
	// MaxCallDetailUsers bounds UserIds (and PageSize) with DataType.
	MaxCallDetailUsers = 6
)

// maxResponseBytes bounds what is read of one response: a day of one user's events
// is far below it, and a broken or hostile server cannot make hook hold more.
const maxResponseBytes = 4 << 20

// Client calls the TRTC call-quality actions, signed TC3-HMAC-SHA256 by the Tencent
// Cloud SDK's common client. Safe for concurrent use.
type Client struct {
	sdk *common.Client
}

// NewClient checks cfg and builds the client. Every request is bound to its call's
// context; the SDK's own retries (which sleep without watching a context) are off.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	scheme, hostPath, err := cfg.endpoint()
	if err != nil {
		return nil, err
	}
	prof := profile.NewClientProfile()
	prof.HttpProfile.Scheme = strings.ToUpper(scheme)
	prof.HttpProfile.Endpoint = hostPath
	prof.HttpProfile.ReqMethod = http.MethodPost
	// A backstop only: every call's context carries the real deadline.
	prof.HttpProfile.ReqTimeout = 30
	prof.Language = "en-US"
	prof.DisableRegionBreaker = true
	prof.NetworkFailureMaxRetries = 0
	prof.RateLimitExceededMaxRetries = 0

	sdk := common.NewCommonClient(common.NewCredential(cfg.SecretID, cfg.SecretKey), cfg.regionOrDefault(), prof)
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.IdleConnTimeout = 30 * time.Second
	sdk.WithHttpTransport(limitedBodies{base: base, max: maxResponseBytes})
	return &Client{sdk: sdk}, nil
}

// limitedBodies cuts every response body at max bytes, failing the read beyond it.
type limitedBodies struct {
	base http.RoundTripper
	max  int64
}

func (l limitedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &capped{ReadCloser: resp.Body, left: l.max}
	return resp, nil
}

type capped struct {
	io.ReadCloser
	left int64
}

var errResponseTooLarge = fmt.Errorf("response larger than %d bytes", maxResponseBytes)

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more than allowed tells "exactly max" from "too large".
		var one [1]byte
		if n, _ := c.ReadCloser.Read(one[:]); n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.ReadCloser.Read(p)
	c.left -= int64(n)
	return n, err
}

// call sends one action and decodes its answer into out. Errors are *Error.
func (c *Client) call(ctx context.Context, action string, params map[string]any, out tchttp.Response) error {
	if err := ctx.Err(); err != nil {
		return &Error{Class: ClassTimeout, Action: action, Err: err}
	}
	req := tchttp.NewCommonRequest(Service, Version, action)
	if err := req.SetActionParameters(params); err != nil {
		return &Error{Class: ClassInvalid, Action: action, Err: err}
	}
	// The SDK binds the HTTP request to this context, so a deadline cancels the
	// dial, the wait for headers and the body read alike.
	req.SetContext(ctx)
	if e := Classify(ctx, action, c.sdk.Send(req, out)); e != nil {
		return e
	}
	return nil
}

func invalid(action, format string, args ...any) error {
	return &Error{Class: ClassInvalid, Action: action, Err: fmt.Errorf(format, args...)}
}

// UserEventQuery asks DescribeUserEvent for one user's events in one call (room
// incarnation), named by CommID.
type UserEventQuery struct {
	CommID   string // SdkAppId_RoomId_CreateTs, as DescribeRoomInfo reports it
	SdkAppID uint64
	RoomID   string
	UserID   string
	// Start and End are sent in whole seconds. TRTC ends the window at the room's
	// end if End is later.
	Start, End time.Time
}

// PeerEvents are the events DescribeUserEvent reports for one peer (the sending user).
type PeerEvents struct {
	PeerID string
	Events []UserEvent
}

// UserEvent is one SDK or WebRTC event, as reported.
type UserEvent struct {
	// Type is the video stream the event concerns: 0 none, 2 big, 3 small, 7 substream.
	Type    int
	Time    time.Time // reported in ms
	EventID int
	// ParamOne and ParamTwo are the event's parameters; -1 means unused (and is
	// what a missing parameter becomes).
	ParamOne, ParamTwo int64
}

type userEventResponse struct {
	*tchttp.BaseResponse
	Response struct {
		Data []struct {
			PeerId  string
			Content []struct {
				Type     int
				Time     int64
				EventId  int
				ParamOne *int64
				ParamTwo *int64
			}
		}
		RequestId string
	}
}

// DescribeUserEvent fetches a user's SDK and WebRTC events in q's window.
func (c *Client) DescribeUserEvent(ctx context.Context, q UserEventQuery) ([]PeerEvents, error) {
	const action = ActionDescribeUserEvent
	switch {
	case q.CommID == "" || q.SdkAppID == 0 || q.RoomID == "" || q.UserID == "":
		return nil, invalid(action, "CommId, SdkAppId, RoomId and UserId are all required")
	case !q.End.After(q.Start):
		return nil, invalid(action, "end %s is not after start %s", q.End, q.Start)
	}
	resp := &userEventResponse{BaseResponse: &tchttp.BaseResponse{}}
	err := c.call(ctx, action, map[string]any{
		"CommId":    q.CommID,
		"StartTime": q.Start.Unix(),
		"EndTime":   q.End.Unix(),
		"UserId":    q.UserID,
		"RoomId":    q.RoomID,
		"SdkAppId":  q.SdkAppID,
	}, resp)
	if err != nil {
		return nil, err
	}
	out := make([]PeerEvents, 0, len(resp.Response.Data))
	for _, d := range resp.Response.Data {
		pe := PeerEvents{PeerID: d.PeerId, Events: make([]UserEvent, 0, len(d.Content))}
		for _, ev := range d.Content {
			pe.Events = append(pe.Events, UserEvent{
				Type: ev.Type, Time: time.UnixMilli(ev.Time), EventID: ev.EventId,
				ParamOne: paramOrUnused(ev.ParamOne), ParamTwo: paramOrUnused(ev.ParamTwo),
			})
		}
		out = append(out, pe)
	}
	return out, nil
}

func paramOrUnused(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

// UnusualEventQuery asks DescribeUnusualEvent for a room's abnormal experiences.
type UnusualEventQuery struct {
	SdkAppID uint64
	RoomID   string // empty: the whole application
	// Start and End, at most MaxUnusualWindow apart, sent in whole seconds.
	Start, End time.Time
}

// AbnormalExperience is one abnormal user experience and the events behind it.
type AbnormalExperience struct {
	UserID       string
	RoomID       string
	ExperienceID int
	EventTime    time.Time // reported in seconds
	Events       []AbnormalEvent
}

// AbnormalEvent is one cause of an abnormal experience: a room-dismissal event
// (1001-1032) or a real-time one (2001-2026).
type AbnormalEvent struct {
	EventID int
	// PeerID is the remote user the event came from; empty when it is the user's own.
	PeerID string
}

type unusualEventResponse struct {
	*tchttp.BaseResponse
	Response struct {
		Total                  int
		AbnormalExperienceList []struct {
			UserId            string
			ExperienceId      int
			RoomId            string
			EventTime         int64
			AbnormalEventList []struct {
				AbnormalEventId int
				PeerId          string
			}
		}
		RequestId string
	}
}

// DescribeUnusualEvent fetches up to 20 abnormal experiences in q's window (TRTC
// picks which). Room-dismissal events appear only once the room is dismissed.
func (c *Client) DescribeUnusualEvent(ctx context.Context, q UnusualEventQuery) ([]AbnormalExperience, error) {
	const action = ActionDescribeUnusualEvent
	switch {
	case q.SdkAppID == 0:
		return nil, invalid(action, "SdkAppId is required")
	case !q.End.After(q.Start):
		return nil, invalid(action, "end %s is not after start %s", q.End, q.Start)
	case q.End.Unix()-q.Start.Unix() > int64(MaxUnusualWindow/time.Second):
		return nil, invalid(action, "window %s is longer than %s", q.End.Sub(q.Start), MaxUnusualWindow)
	}
	params := map[string]any{"SdkAppId": q.SdkAppID, "StartTime": q.Start.Unix(), "EndTime": q.End.Unix()}
	if q.RoomID != "" {
		params["RoomId"] = q.RoomID
	}
	resp := &unusualEventResponse{BaseResponse: &tchttp.BaseResponse{}}
	if err := c.call(ctx, action, params, resp); err != nil {
		return nil, err
	}
	out := make([]AbnormalExperience, 0, len(resp.Response.AbnormalExperienceList))
	for _, x := range resp.Response.AbnormalExperienceList {
		ae := AbnormalExperience{
			UserID: x.UserId, RoomID: x.RoomId, ExperienceID: x.ExperienceId,
			EventTime: time.Unix(x.EventTime, 0), Events: make([]AbnormalEvent, 0, len(x.AbnormalEventList)),
		}
		for _, ev := range x.AbnormalEventList {
			ae.Events = append(ae.Events, AbnormalEvent{EventID: ev.AbnormalEventId, PeerID: ev.PeerId})
		}
		out = append(out, ae)
	}
	return out, nil
}

// RoomInfoQuery asks DescribeRoomInfo for the calls (room incarnations) of an app.
type RoomInfoQuery struct {
	SdkAppID uint64
	RoomID   string // empty: every room
	// Start and End, at most MaxRoomInfoWindow apart, sent in whole seconds.
	Start, End time.Time
	// PageNumber counts from 0; PageSize is 1-100 (0: 100).
	PageNumber, PageSize int
}

// RoomState is one call: a room from its creation to its dismissal.
type RoomState struct {
	// CommID names the call for DescribeUserEvent. For a string room it holds
	// TRTC's internal numeric room id, not the string, so always prefer it to one
	// built by hand.
	CommID      string
	RoomString  string
	CreateTime  time.Time
	DestroyTime time.Time // zero while the room lives
	IsFinished  bool
	UserID      string // the creator
}

type roomInfoResponse struct {
	*tchttp.BaseResponse
	Response struct {
		Total    int
		RoomList []struct {
			CommId      string
			RoomString  string
			CreateTime  int64
			DestroyTime int64
			IsFinished  bool
			UserId      string
		}
		RequestId string
	}
}

// DescribeRoomInfo lists one page of calls in q's window, with the total TRTC reports.
func (c *Client) DescribeRoomInfo(ctx context.Context, q RoomInfoQuery) ([]RoomState, int, error) {
	const action = ActionDescribeRoomInfo
	switch {
	case q.SdkAppID == 0:
		return nil, 0, invalid(action, "SdkAppId is required")
	case !q.End.After(q.Start):
		return nil, 0, invalid(action, "end %s is not after start %s", q.End, q.Start)
	case q.End.Unix()-q.Start.Unix() > int64(MaxRoomInfoWindow/time.Second):
		return nil, 0, invalid(action, "window %s is longer than %s", q.End.Sub(q.Start), MaxRoomInfoWindow)
	case q.PageNumber < 0 || q.PageSize < 0 || q.PageSize > MaxRoomInfoPage:
		return nil, 0, invalid(action, "page %d of size %d: size must be 1-%d", q.PageNumber, q.PageSize, MaxRoomInfoPage)
	}
	size := q.PageSize
	if size == 0 {
		size = MaxRoomInfoPage
	}
	params := map[string]any{
		"SdkAppId": q.SdkAppID, "StartTime": q.Start.Unix(), "EndTime": q.End.Unix(),
		"PageNumber": q.PageNumber, "PageSize": size,
	}
	if q.RoomID != "" {
		params["RoomId"] = q.RoomID
	}
	resp := &roomInfoResponse{BaseResponse: &tchttp.BaseResponse{}}
	if err := c.call(ctx, action, params, resp); err != nil {
		return nil, 0, err
	}
	out := make([]RoomState, 0, len(resp.Response.RoomList))
	for _, r := range resp.Response.RoomList {
		rs := RoomState{CommID: r.CommId, RoomString: r.RoomString, CreateTime: time.Unix(r.CreateTime, 0),
			IsFinished: r.IsFinished, UserID: r.UserId}
		if r.DestroyTime > 0 {
			rs.DestroyTime = time.Unix(r.DestroyTime, 0)
		}
		out = append(out, rs)
	}
	return out, resp.Response.Total, nil
}

// CallDetailQuery asks DescribeCallDetailInfo for some users of one call and
// their quality data.
type CallDetailQuery struct {
	CommID   string
	SdkAppID uint64
	// UserIDs are the users asked about: 1 to MaxCallDetailUsers.
	UserIDs []string
	// DataTypes are the metrics asked for (TRTC's DataType), e.g. "rtt",
	// "aLoss", "bigvLoss"; at least one. Start and End are at most
	// MaxCallDetailWindow apart, sent in whole seconds.
	DataTypes  []string
	Start, End time.Time
}

// CallDetail is DescribeCallDetailInfo's answer.
type CallDetail struct {
	Users   []CallUser
	Quality []QualitySeries
}

// CallUser is one user's stay in the call (UserInformation).
type CallUser struct {
	UserID     string
	RoomStr    string
	Joined     time.Time // JoinTs
	Left       time.Time // LeaveTs: now, for a user still in the room
	DeviceType string
	SDKVersion string
	ClientIP   string
	Finished   bool // the user has left
}

// QualitySeries is one metric of one user (QualityData): upstream when
// PeerID is empty, else what the user received from PeerID.
type QualitySeries struct {
	UserID   string
	PeerID   string
	DataType string
	Points   []QualityPoint
}

// QualityPoint is one sample (TimeValue; Time reported in seconds).
type QualityPoint struct {
	Time  time.Time
	Value float64
}

type callDetailResponse struct {
	*tchttp.BaseResponse
	Response struct {
		Total    int
		UserList []struct {
			RoomStr    string
			UserId     string
			JoinTs     int64
			LeaveTs    int64
			DeviceType string
			SdkVersion string
			ClientIp   string
			Finished   bool
		}
		Data []struct {
			Content []struct {
				Time  int64
				Value float64
			}
			UserId   string
			PeerId   string
			DataType string
		}
		RequestId string
	}
}

// DescribeCallDetailInfo fetches q's users in call q.CommID and their
// quality data in q's window.
func (c *Client) DescribeCallDetailInfo(ctx context.Context, q CallDetailQuery) (CallDetail, error) {
	const action = ActionDescribeCallDetailInfo
	switch {
	case q.CommID == "" || q.SdkAppID == 0:
		return CallDetail{}, invalid(action, "CommId and SdkAppId are required")
	case len(q.UserIDs) == 0 || len(q.UserIDs) > MaxCallDetailUsers:
		return CallDetail{}, invalid(action, "%d users: 1-%d with quality data", len(q.UserIDs), MaxCallDetailUsers)
	case len(q.DataTypes) == 0:
		return CallDetail{}, invalid(action, "no DataType")
	case !q.End.After(q.Start):
		return CallDetail{}, invalid(action, "end %s is not after start %s", q.End, q.Start)
	case q.End.Unix()-q.Start.Unix() > int64(MaxCallDetailWindow/time.Second):
		return CallDetail{}, invalid(action, "window %s is longer than %s", q.End.Sub(q.Start), MaxCallDetailWindow)
	}
	resp := &callDetailResponse{BaseResponse: &tchttp.BaseResponse{}}
	err := c.call(ctx, action, map[string]any{
		"CommId":     q.CommID,
		"StartTime":  q.Start.Unix(),
		"EndTime":    q.End.Unix(),
		"SdkAppId":   q.SdkAppID,
		"UserIds":    q.UserIDs,
		"DataType":   q.DataTypes,
		"PageNumber": 0,
		"PageSize":   len(q.UserIDs),
	}, resp)
	if err != nil {
		return CallDetail{}, err
	}
	var out CallDetail
	for _, u := range resp.Response.UserList {
		cu := CallUser{UserID: u.UserId, RoomStr: u.RoomStr, DeviceType: u.DeviceType, SDKVersion: u.SdkVersion,
			ClientIP: u.ClientIp, Finished: u.Finished}
		if u.JoinTs > 0 {
			cu.Joined = time.Unix(u.JoinTs, 0)
		}
		if u.LeaveTs > 0 {
			cu.Left = time.Unix(u.LeaveTs, 0)
		}
		out.Users = append(out.Users, cu)
	}
	for _, d := range resp.Response.Data {
		qs := QualitySeries{UserID: d.UserId, PeerID: d.PeerId, DataType: d.DataType, Points: make([]QualityPoint, 0, len(d.Content))}
		for _, p := range d.Content {
			qs.Points = append(qs.Points, QualityPoint{Time: time.Unix(p.Time, 0), Value: p.Value})
		}
		out.Quality = append(out.Quality, qs)
	}
	return out, nil
}
