//go:build fault

package faulttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// attempt is one chat.postMessage the fake Slack received.
type attempt struct {
	room int    // from the title, "fault-room N"
	page string // from the "Page `ID`" context element
	at   time.Time
	n    int // 1 for the first attempt at this page
}

// answer is what the fake Slack does with an attempt.
type answer struct {
	status     int    // HTTP status; 0 is 200
	retryAfter string // Retry-After header
	slackError string // {"ok":false,"error":...}
	// hang: the post is accepted (Slack has it) but the answer never comes:
	// the handler waits until the client goes away.
	hang bool
}

// fakeSlack is the Web API as far as hook uses it. It records every
// attempt and every accepted post; decide picks the answer (nil: accept all).
type fakeSlack struct {
	srv *httptest.Server

	mu       sync.Mutex
	decide   func(a attempt) answer
	attempts []attempt
	posts    []attempt // accepted: what on-call saw
	ts       int
	hanging  chan struct{} // closed when a post hangs
}

var (
	roomRE = regexp.MustCompile(`fault-room (\d+)`)
	pageRE = regexp.MustCompile("Page `([^`]+)`")
)

func newSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{hanging: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

func (f *fakeSlack) setDecide(d func(a attempt) answer) {
	f.mu.Lock()
	f.decide = d
	f.mu.Unlock()
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	w.Header().Set("Content-Type", "application/json")
	if method != "chat.postMessage" {
		// chat.update of a thread's parent and the like: cosmetic, accepted.
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C0FAULTS", "ts": r.PostForm.Get("ts")})
		return
	}
	a := attempt{at: time.Now()}
	if m := roomRE.FindStringSubmatch(r.PostForm.Get("text")); m != nil {
		a.room, _ = strconv.Atoi(m[1])
	}
	if m := pageRE.FindStringSubmatch(r.PostForm.Get("blocks")); m != nil {
		a.page = m[1]
	}
	f.mu.Lock()
	for _, prev := range f.attempts {
		if prev.page == a.page {
			a.n = max(a.n, prev.n)
		}
	}
	a.n++
	f.attempts = append(f.attempts, a)
	var ans answer
	if f.decide != nil {
		ans = f.decide(a)
	}
	accepted := ans.status == 0 && ans.slackError == ""
	if accepted {
		f.posts = append(f.posts, a)
		f.ts++
	}
	ts := f.ts
	f.mu.Unlock()

	switch {
	case ans.hang:
		f.mu.Lock()
		select {
		case <-f.hanging:
		default:
			close(f.hanging)
		}
		f.mu.Unlock()
		<-r.Context().Done()
		return
	case ans.retryAfter != "":
		w.Header().Set("Retry-After", ans.retryAfter)
		w.WriteHeader(ans.status)
		return
	case ans.status != 0:
		w.WriteHeader(ans.status)
		return
	case ans.slackError != "":
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": ans.slackError})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C0FAULTS", "ts": fmt.Sprintf("1700000000.%06d", ts)})
}

func (f *fakeSlack) Posts() []attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]attempt(nil), f.posts...)
}

func (f *fakeSlack) Attempts() []attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]attempt(nil), f.attempts...)
}
