package enrich

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
	testSecretID  = "AKIDtesttesttesttesttesttesttest1234"
	testSecretKey = "test-secret-key-0123456789abcdef"
)

// apiError is an error answer in Tencent Cloud API 3.0's shape.
type apiError struct{ Code, Message string }

// actionHandler answers one action: a payload merged into "Response", or an error.
type actionHandler func(params map[string]any) (map[string]any, *apiError)

// recorded is one request the fake accepted (signature verified).
type recorded struct {
	Action string
	Region string
	Params map[string]any
}

// fakeTRTC stands in for trtc.tencentcloudapi.com. It checks every request the way
// the real API documents it (TC3-HMAC-SHA256 signature recomputed from the request
// with the known secret key, X-TC-* headers) and answers in the documented shapes.
type fakeTRTC struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	handlers map[string]actionHandler
	requests []recorded
	lastRaw  *http.Request // the last request that reached the checks, body in lastBody
	lastBody []byte
	rejected []string // error codes of requests refused before an action ran
	// hang, when set, holds every request until the client gives up or the test ends.
	hang chan struct{}
}

func newFakeTRTC(t *testing.T) *fakeTRTC {
	t.Helper()
	f := &fakeTRTC{t: t, handlers: map[string]actionHandler{}}
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

func (f *fakeTRTC) handle(action string, h actionHandler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[action] = h
}

// reply answers action with payload every time.
func (f *fakeTRTC) reply(action string, payload map[string]any) {
	f.handle(action, func(map[string]any) (map[string]any, *apiError) { return payload, nil })
}

// fail answers action with an error every time.
func (f *fakeTRTC) fail(action, code, message string) {
	f.handle(action, func(map[string]any) (map[string]any, *apiError) { return nil, &apiError{code, message} })
}

func (f *fakeTRTC) hangAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hang = make(chan struct{})
}

func (f *fakeTRTC) calls(action string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.requests {
		if action == "" || r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeTRTC) config() Config {
	return Config{SecretID: testSecretID, SecretKey: testSecretKey, Region: "ap-singapore", Endpoint: f.srv.URL}
}

func (f *fakeTRTC) client(t *testing.T) *Client {
	t.Helper()
	c, err := NewClient(f.config())
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func (f *fakeTRTC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	if code, msg := checkRequest(r, body, map[string]string{testSecretID: testSecretKey}, time.Now()); code != "" {
		f.mu.Lock()
		f.rejected = append(f.rejected, code)
		f.mu.Unlock()
		writeAPI(w, nil, &apiError{code, msg})
		return
	}
	var params map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		writeAPI(w, nil, &apiError{"InvalidParameter", "body is not a JSON object: " + err.Error()})
		return
	}
	action := r.Header.Get("X-TC-Action")
	f.mu.Lock()
	f.requests = append(f.requests, recorded{Action: action, Region: r.Header.Get("X-TC-Region"), Params: params})
	h := f.handlers[action]
	f.mu.Unlock()
	if h == nil {
		writeAPI(w, nil, &apiError{"InvalidAction", "no such action " + action})
		return
	}
	payload, apiErr := h(params)
	writeAPI(w, payload, apiErr)
}

// writeAPI answers as Tencent Cloud API 3.0 does: HTTP 200 either way, the result or
// the error inside "Response", always with a RequestId.
func writeAPI(w http.ResponseWriter, payload map[string]any, apiErr *apiError) {
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

// checkRequest validates the common parameters and the TC3-HMAC-SHA256 signature the
// way the API does, returning the documented error code on failure ("" when fine).
func checkRequest(r *http.Request, body []byte, secrets map[string]string, now time.Time) (code, msg string) {
	switch {
	case r.Method != http.MethodPost:
		return "UnsupportedProtocol", "method " + r.Method
	case r.URL.Path != "/":
		return "InvalidParameter", "path " + r.URL.Path
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		return "InvalidParameter", "content type " + r.Header.Get("Content-Type")
	case r.Header.Get("X-TC-Version") != Version:
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
	secretID, date, service := scope[0], scope[1], scope[2]
	key, known := secrets[secretID]
	switch {
	case !known:
		return "AuthFailure.SecretIdNotFound", "unknown SecretId"
	case service != Service:
		return "AuthFailure.InvalidAuthorization", "credential scope names service " + service
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
	stringToSign := fmt.Sprintf("TC3-HMAC-SHA256\n%d\n%s/%s/tc3_request\n%s", ts, date, service, hex.EncodeToString(hashedCanonical[:]))

	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	signingKey := mac(mac(mac([]byte("TC3"+key), date), service), "tc3_request")
	want := hex.EncodeToString(mac(signingKey, stringToSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."
	}
	return "", ""
}
