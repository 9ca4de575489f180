//go:build fault

package faulttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/verify"
)

// trtc plays TRTC: it sends signed callbacks, one room per alerting event,
// and remembers which were accepted (200: hook owes a page for that room).
type trtc struct {
	t      *testing.T
	client *http.Client

	mu       sync.Mutex
	accepted map[int]bool
	answers  []callbackAnswer
}

type callbackAnswer struct {
	room    int
	status  int // 0: no HTTP answer (err)
	latency time.Duration
	err     error
}

func newTRTC(t *testing.T) *trtc {
	// A fresh connection per callback, no retries of its own: what hook
	// answers is what is counted. TRTC gives up on an attempt after 5 s; the
	// client waits longer so an answer that comes late is seen as late.
	return &trtc{t: t, accepted: map[int]bool{},
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
}

// uploadError is a recording upload error in room: it pages once per room.
func uploadError(room int) []byte {
	now := time.Now()
	return fmt.Appendf(nil, `{"EventGroupId":3,"EventType":308,"CallbackTs":%d,"EventInfo":{"RoomId":%d,"EventTs":%d,"EventMsTs":%d,"UserId":"recorder","TaskId":"task-%d","Payload":{"Code":"UploadFailed","Message":"cos unreachable"}}}`,
		now.UnixMilli(), room, now.Unix(), now.UnixMilli(), room)
}

// send posts room's callback to base and records the answer.
func (c *trtc) send(base string, room int) callbackAnswer {
	body := uploadError(room)
	req, err := http.NewRequest(http.MethodPost, base+"/callback", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("SdkAppId", "1400000001")
	req.Header.Set("Sign", verify.Sign([]byte(callbackKey), body))
	start := time.Now()
	resp, err := c.client.Do(req)
	a := callbackAnswer{room: room, latency: time.Since(start), err: err}
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		a.status = resp.StatusCode
	}
	c.mu.Lock()
	c.answers = append(c.answers, a)
	if a.status == http.StatusOK {
		c.accepted[room] = true
	}
	c.mu.Unlock()
	return a
}

// sendAll sends rooms [from, to) to base and fails the test unless each is accepted.
func (c *trtc) sendAll(base string, from, to int) {
	c.t.Helper()
	for room := from; room < to; room++ {
		if a := c.send(base, room); a.status != http.StatusOK {
			c.t.Fatalf("callback for room %d: %d %v", room, a.status, a.err)
		}
	}
}

func (c *trtc) Accepted() map[int]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int]bool, len(c.accepted))
	for k, v := range c.accepted {
		out[k] = v
	}
	return out
}

func (c *trtc) Answers() []callbackAnswer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]callbackAnswer(nil), c.answers...)
}

// admin reads hook's admin API.
func admin(t *testing.T, h *hookProc, path string, into any) error {
	req, _ := http.NewRequest(http.MethodGet, h.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// deadLetteredRooms maps room to how many of its pages are dead letters.
func deadLetteredRooms(t *testing.T, h *hookProc) (map[int]int, error) {
	var body struct {
		DeadLetters []struct {
			Page struct {
				Title string `json:"title"`
			} `json:"page"`
		} `json:"dead_letters"`
	}
	if err := admin(t, h, "/api/v1/deadletters?limit=1000", &body); err != nil {
		return nil, err
	}
	out := map[int]int{}
	for _, dl := range body.DeadLetters {
		if m := roomRE.FindStringSubmatch(dl.Page.Title); m != nil {
			room, _ := strconv.Atoi(m[1])
			out[room]++
		}
	}
	return out, nil
}

// tally is what a fault test proves, in numbers.
type tally struct {
	accepted, refused       int // callbacks answered 200; answered otherwise (503: TRTC retries)
	delivered, deadLettered int // rooms paged in Slack; rooms whose page is a dead letter
	duplicates              int // posts beyond the first of a page
	lost                    []int
	dupPages                []string
}

func (ty tally) String() string {
	return fmt.Sprintf("callbacks accepted %d, refused %d; pages delivered %d, dead-lettered %d, duplicates %d, lost %d",
		ty.accepted, ty.refused, ty.delivered, ty.deadLettered, ty.duplicates, len(ty.lost))
}

// settle waits until every accepted callback's page is delivered or
// dead-lettered and h's outbox is empty, then counts.
func settle(t *testing.T, h *hookProc, slack *fakeSlack, cb *trtc, limit time.Duration) tally {
	t.Helper()
	var ty tally
	waitFor(t, limit, "every accepted page delivered or dead-lettered, and an empty outbox", func() bool {
		var stats struct {
			Depth int64 `json:"depth"`
		}
		if admin(t, h, "/api/v1/outbox", &stats) != nil || stats.Depth != 0 {
			return false
		}
		dead, err := deadLetteredRooms(t, h)
		if err != nil {
			return false
		}
		ty = count(slack, cb, dead)
		return len(ty.lost) == 0
	})
	return ty
}

func count(slack *fakeSlack, cb *trtc, dead map[int]int) tally {
	var ty tally
	for _, a := range cb.Answers() {
		if a.status == http.StatusOK {
			ty.accepted++
		} else {
			ty.refused++
		}
	}
	rooms := map[int]bool{}
	perPage := map[string]int{}
	for _, p := range slack.Posts() {
		rooms[p.room] = true
		perPage[p.page]++
	}
	ty.delivered = len(rooms)
	for page, n := range perPage {
		if n > 1 {
			ty.duplicates += n - 1
			ty.dupPages = append(ty.dupPages, page)
		}
	}
	sort.Strings(ty.dupPages)
	ty.deadLettered = len(dead)
	for room := range cb.Accepted() {
		if !rooms[room] && dead[room] == 0 {
			ty.lost = append(ty.lost, room)
		}
	}
	slices.Sort(ty.lost)
	return ty
}

// unknownOutcomes are the pages h logged as sent but not acknowledged: the
// only pages the README allows to go out twice.
func unknownOutcomes(hs ...*hookProc) map[string]bool {
	out := map[string]bool{}
	for _, h := range hs {
		for _, l := range h.logs("page delivered but not") {
			if p, _ := l["page"].(string); p != "" {
				out[p] = true
			}
		}
	}
	return out
}

// percentile returns the p-th percentile (0-100) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// metric reads one sample of a Prometheus metric from h's /metrics.
func metric(h *hookProc, name string) (float64, bool) {
	resp, err := http.Get(h.url + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name {
			v, err := strconv.ParseFloat(f[1], 64)
			return v, err == nil
		}
	}
	return 0, false
}
