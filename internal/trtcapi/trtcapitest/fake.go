// Package trtcapitest is a fake Tencent Cloud TRTC API for tests: it checks
// every request as the real API documents it (the TC3-HMAC-SHA256 signature,
// the X-TC-* headers) and answers in its shapes.
package trtcapitest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The credentials the fake Tencent Cloud API knows.
const (
	SecretID  = "AKIDtesttesttesttesttesttesttest1234"
	SecretKey = "test-secret-key-0123456789abcdef"
)

// The API the fake speaks: Tencent Cloud API 3.0, service trtc, version 2019-07-22.
const (
	service = "trtc"
	version = "2019-07-22"
)

// APIError is an error answer in Tencent Cloud API 3.0's shape.
type APIError struct{ Code, Message string }

// Handler answers one action: a payload merged into "Response", or an error.
type Handler func(params map[string]any) (map[string]any, *APIError)

// Request is one request the fake accepted (signature verified).
type Request struct {
	Action string
	Region string
	Params map[string]any
}

// Fake stands in for trtc.tencentcloudapi.com. It checks every request the way
// the real API documents it (TC3-HMAC-SHA256 signature recomputed from the request
// with the known secret key, X-TC-* headers) and answers in the documented shapes.
type Fake struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	handlers map[string]Handler
	requests []Request
	lastRaw  *http.Request // the last request that reached the checks, body in lastBody
	lastBody []byte
	rejected []string // error codes of requests refused before an action ran
	// hang, when set, holds every request until the client gives up or the test ends.
	hang chan struct{}
}

// New starts a fake, closed when the test ends.
func New(t *testing.T) *Fake {
	t.Helper()
	f := &Fake{t: t, handlers: map[string]Handler{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() {
		f.mu.Lock()
		if f.hang != nil {
			close(f.hang)
			f.hang = nil
		}
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

// Handle answers action with h.
func (f *Fake) Handle(action string, h Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[action] = h
}

// Reply answers action with payload every time.
func (f *Fake) Reply(action string, payload map[string]any) {
	f.Handle(action, func(map[string]any) (map[string]any, *APIError) { return payload, nil })
}

// Fail answers action with an error every time.
func (f *Fake) Fail(action, code, message string) {
	f.Handle(action, func(map[string]any) (map[string]any, *APIError) { return nil, &APIError{code, message} })
}

// HangAll holds every request until the client gives up or the test ends.
func (f *Fake) HangAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hang = make(chan struct{})
}

// Calls are the accepted requests of action, all of them for "".
func (f *Fake) Calls(action string) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.requests {
		if action == "" || r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// Close stops the fake: nothing listens any more, requests are refused.
func (f *Fake) Close() { f.srv.Close() }

// URL is where the fake listens: the client's endpoint.
func (f *Fake) URL() string { return f.srv.URL }

// Rejected are the error codes of the requests refused before an action ran.
func (f *Fake) Rejected() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.rejected)
}

// Last is the last request that reached the checks, and its body.
func (f *Fake) Last() (*http.Request, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastRaw, f.lastBody
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("fake: reading body: %v", err)
		return
	}
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
		return
	}
	f.mu.Lock()
	f.lastRaw, f.lastBody = r.Clone(r.Context()), body
	f.mu.Unlock()
	if code, msg := CheckRequest(r, body, map[string]string{SecretID: SecretKey}, time.Now()); code != "" {
		f.mu.Lock()
		f.rejected = append(f.rejected, code)
		f.mu.Unlock()
		writeAPI(w, nil, &APIError{code, msg})
		return
	}
	var params map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		writeAPI(w, nil, &APIError{"InvalidParameter", "body is not a JSON object: " + err.Error()})
		return
	}
	action := r.Header.Get("X-TC-Action")
	f.mu.Lock()
	f.requests = append(f.requests, Request{Action: action, Region: r.Header.Get("X-TC-Region"), Params: params})
	h := f.handlers[action]
	f.mu.Unlock()
	if h == nil {
		writeAPI(w, nil, &APIError{"InvalidAction", "no such action " + action})
		return
	}
	payload, apiErr := h(params)
	writeAPI(w, payload, apiErr)
}

// writeAPI answers as Tencent Cloud API 3.0 does: HTTP 200 either way, the result or
// the error inside "Response", always with a RequestId.
func writeAPI(w http.ResponseWriter, payload map[string]any, apiErr *APIError) {
	resp := map[string]any{}
	for k, v := range payload {
		resp[k] = v
	}
	if apiErr != nil {
		resp = map[string]any{"Error": map[string]string{"Code": apiErr.Code, "Message": apiErr.Message}}
	}
	resp["RequestId"] = "6f1c1d2e-0000-4000-8000-000000000001"
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": resp})
}

// CheckRequest validates the common parameters and the TC3-HMAC-SHA256 signature the
// way the API does, returning the documented error code on failure ("" when fine).
func CheckRequest(r *http.Request, body []byte, secrets map[string]string, now time.Time) (code, msg string) {
	switch {
	case r.Method != http.MethodPost:
		return "UnsupportedProtocol", "method " + r.Method
	case r.URL.Path != "/":
		return "InvalidParameter", "path " + r.URL.Path
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		return "InvalidParameter", "content type " + r.Header.Get("Content-Type")
	case r.Header.Get("X-TC-Version") != version:
		return "InvalidParameter", "version " + r.Header.Get("X-TC-Version")
	case r.Header.Get("X-TC-Action") == "":
		return "MissingParameter", "no X-TC-Action"
	case r.Header.Get("X-TC-Region") == "":
		return "MissingParameter", "no X-TC-Region"
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return "MissingParameter", "X-TC-Timestamp is not a number"
	}
	if d := now.Unix() - ts; d > 300 || d < -300 {
		return "AuthFailure.SignatureExpire", "timestamp more than 5 minutes off"
	}

	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "TC3-HMAC-SHA256 ")
	if !ok {
		return "AuthFailure.InvalidAuthorization", "not TC3-HMAC-SHA256"
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 4 || scope[3] != "tc3_request" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return "AuthFailure.InvalidAuthorization", "malformed Authorization " + auth
	}
	secretID, date, scoped := scope[0], scope[1], scope[2]
	key, known := secrets[secretID]
	switch {
	case !known:
		return "AuthFailure.SecretIdNotFound", "unknown SecretId"
	case scoped != service:
		return "AuthFailure.InvalidAuthorization", "credential scope names service " + scoped
	case date != time.Unix(ts, 0).UTC().Format("2006-01-02"):
		return "AuthFailure.InvalidAuthorization", "credential date does not match the timestamp"
	}

	signed := strings.Split(fields["SignedHeaders"], ";")
	if !slices.Contains(signed, "content-type") || !slices.Contains(signed, "host") {
		return "AuthFailure.InvalidAuthorization", "content-type and host must be signed"
	}
	var canonHeaders strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	hashedBody := sha256.Sum256(body)
	canonical := strings.Join([]string{
		r.Method, r.URL.Path, r.URL.RawQuery, canonHeaders.String(), fields["SignedHeaders"], hex.EncodeToString(hashedBody[:]),
	}, "\n")
	hashedCanonical := sha256.Sum256([]byte(canonical))
	stringToSign := fmt.Sprintf("TC3-HMAC-SHA256\n%d\n%s/%s/tc3_request\n%s", ts, date, scoped, hex.EncodeToString(hashedCanonical[:]))

	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	signingKey := mac(mac(mac([]byte("TC3"+key), date), scoped), "tc3_request")
	want := hex.EncodeToString(mac(signingKey, stringToSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."
	}
	return "", ""
}

// UnusualEventExample is DescribeUnusualEvent's documented example answer.
func UnusualEventExample() map[string]any {
	return map[string]any{"Total": 2, "AbnormalExperienceList": []any{
		map[string]any{"UserId": "itachi3", "RoomId": "461", "EventTime": 1592448600, "ExperienceId": 4,
			"AbnormalEventList": []any{
				map[string]any{"AbnormalEventId": 2011, "PeerId": ""},
				map[string]any{"AbnormalEventId": 2012, "PeerId": "itachili1"},
			}},
		map[string]any{"UserId": "itachi3", "RoomId": "461", "EventTime": 1592448600, "ExperienceId": 5,
			"AbnormalEventList": []any{map[string]any{"AbnormalEventId": 2014, "PeerId": ""}}},
	}}
}
