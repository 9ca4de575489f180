// Package ceiling is the least a TRTC callback receiver can do, as the
// yardstick hook's throughput is measured against: Echo, read the body,
// verify base64(HMAC-SHA256(key, body)) from the Sign header in constant
// time, decode the JSON envelope into a small struct, check the replay
// window, optionally claim one Redis key (one round trip), answer 200.
// No logging, no rules, no metrics.
package ceiling

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Claimer claims a key once (SETNX); nil means no state at all.
type Claimer interface {
	Claim(ctx context.Context, key string) error
}

// Config is the server's contract, the same as hook's.
type Config struct {
	Key          []byte
	MaxBody      int64
	ReplayWindow time.Duration
	Now          func() time.Time
}

// envelope is the part of the callback the ceiling reads.
type envelope struct {
	EventGroupID int   `json:"EventGroupId"`
	EventType    int   `json:"EventType"`
	CallbackTs   int64 `json:"CallbackTs"`
	EventInfo    struct {
		RoomID  json.RawMessage `json:"RoomId"`
		UserID  string          `json:"UserId"`
		TaskID  string          `json:"TaskId"`
		Reason  int             `json:"Reason"`
		Payload struct {
			Status int `json:"Status"`
		} `json:"Payload"`
	} `json:"EventInfo"`
}

// New returns the ceiling's HTTP handler: POST /callback and GET /healthz.
func New(cfg Config, claims Claimer) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &server{cfg: cfg, claims: claims}
	e.POST("/callback", s.callback)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	return e
}

type server struct {
	cfg    Config
	claims Claimer
}

var ok = []byte(`{"code":0}`)

func (s *server) callback(c echo.Context) error {
	req := c.Request()
	body, err := io.ReadAll(http.MaxBytesReader(nil, req.Body, s.cfg.MaxBody))
	if err != nil {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body too large")
	}
	got, err := base64.StdEncoding.DecodeString(req.Header.Get("Sign"))
	app := req.Header.Get("SdkAppId")
	if err != nil || app == "" || !hmac.Equal(got, sum(s.cfg.Key, body)) {
		return echo.NewHTTPError(http.StatusUnauthorized, "signature does not match body")
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.EventGroupID == 0 || env.EventType == 0 || env.CallbackTs == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "not a callback")
	}
	if skew := s.cfg.Now().Sub(time.UnixMilli(env.CallbackTs)); skew > s.cfg.ReplayWindow || skew < -s.cfg.ReplayWindow {
		return echo.NewHTTPError(http.StatusUnauthorized, "callback timestamp outside the replay window")
	}
	if s.claims != nil {
		// The key an alert's dedup claim would use: one incident per app,
		// room, user, event and task.
		key := app + "/" + string(env.EventInfo.RoomID) + "/" + env.EventInfo.UserID + "/" +
			strconv.Itoa(env.EventType) + "/" + env.EventInfo.TaskID
		if err := s.claims.Claim(req.Context(), key); err != nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable, retry later").SetInternal(err)
		}
	}
	return c.JSONBlob(http.StatusOK, ok)
}

func sum(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}
