package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/verify"
)

// Call is one callback of a run, placed on simulate's clock.
type Call struct {
	At       time.Duration // since the run started, at --speed 1 with the pauses
	App      string        // the SdkAppId header
	Scenario *Scenario     // set on a scenario's first callback, for its heading
	Room     int
	Step     Step
}

// Plan lays the scenarios which end to end, each starting a second after
// the last callback of the one before, with ids from ids: exactly what hook
// simulate sends and when, and what the tests rehearse. A scenario of the
// call app sends as callApp, the others as app.
func Plan(which []Scenario, app, callApp string, ids func() (int, string)) []Call {
	var calls []Call
	var start time.Duration
	for i := range which {
		s := &which[i]
		from := app
		if s.Call {
			from = callApp
		}
		room, task := ids()
		steps := s.Steps(room, task)
		for j, st := range steps {
			call := Call{At: start + st.At, App: from, Room: room, Step: st}
			if j == 0 {
				call.Scenario = s
			}
			calls = append(calls, call)
		}
		if len(steps) > 0 {
			start += steps[len(steps)-1].At + time.Second
		}
	}
	return calls
}

// Body is the callback body of st as TRTC would send it at now.
func Body(st Step, now time.Time) ([]byte, error) {
	info := make(map[string]any, len(st.Info)+2)
	for k, v := range st.Info {
		info[k] = v
	}
	info["EventTs"] = now.Unix()
	info["EventMsTs"] = now.UnixMilli()
	return json.Marshal(map[string]any{
		"EventGroupId": st.Group,
		"EventType":    st.Type,
		"CallbackTs":   now.UnixMilli(),
		"EventInfo":    info,
	})
}

// Send posts st to url for app, stamped now and signed with key, and returns
// hook's answer: its status and (the start of) its body.
func Send(ctx context.Context, client *http.Client, url, key, app string, st Step, now time.Time) (int, string, error) {
	body, err := Body(st, now)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", fmt.Errorf("bad --url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("SdkAppId", app)
	req.Header.Set("Sign", verify.Sign([]byte(key), body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
	return resp.StatusCode, strings.TrimSpace(string(answer)), nil
}
