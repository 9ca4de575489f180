package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// followUpSample is the follow-up of samplePage, five minutes later, as
// delivery enriches it.
func followUpSample() alert.Notification {
	p := samplePage().FollowUp(samplePage().Event.Time.Add(5 * time.Minute))
	p.Enrichment = &alert.Enrichment{CommID: "1400000001_8489_1795751000",
		Client: &alert.ClientInfo{Terminal: "Android", UserType: "Native SDK", SDKVersion: "11.5.0.0", Device: "Android",
			Network: "rtt max 850 ms, audio loss max 35%"},
		Events: []alert.ClientEvent{{Time: p.Event.Time, Table: "sdk", ID: 5005, Name: "Connection to CVM timed out"},
			{Time: p.Event.Time, Table: "webrtc", ID: 32792, Name: "Media transmission channel has disconnected", PeerID: "<!channel>"}},
		Missing: []alert.Missing{{Data: "client", Reason: "no data"}}}
	return p
}

func TestRenderFollowUpGolden(t *testing.T) {
	m := Render(followUpSample())
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "followup", append(b, '\n'))
	if strings.Contains(string(b), "<!here>") || strings.Contains(string(b), "<!channel>") {
		t.Error("a follow-up pings: it must not (the page did)")
	}
}

// TestSlackAPIFollowUpRepliesInTheThread: a follow-up replies under the
// incident's page and leaves the parent alone; with no thread it is posted on
// its own and opens none.
func TestSlackAPIFollowUpRepliesInTheThread(t *testing.T) {
	f := &fakeSlack{}
	threads := newMemThreads()
	api, _ := newTestAPI(t, f, threads, time.Second)
	ctx := context.Background()
	if _, err := api.Send(ctx, samplePage()); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Send(ctx, followUpSample()); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[1].method != "chat.postMessage" {
		t.Fatalf("calls %+v, want the page and one reply, no parent edit", calls)
	}
	if ts := calls[1].form.Get("thread_ts"); ts == "" || calls[1].form.Get("channel") != "C0ONCALL" {
		t.Errorf("follow-up posted to %q thread %q, want a reply in the page's thread", calls[1].form.Get("channel"), ts)
	}
	threads.mu.Lock()
	pages := threads.pages["#oncall:1400000001/8489"]
	threads.mu.Unlock()
	if pages != 1 {
		t.Errorf("the thread counts %d pages, want 1: a follow-up is not a page", pages)
	}

	lone := followUpSample()
	lone.Incident = "1400000001/7777"
	if _, err := api.Send(ctx, lone); err != nil {
		t.Fatal(err)
	}
	calls = f.Calls()
	if last := calls[len(calls)-1]; last.form.Get("thread_ts") != "" || last.form.Get("channel") != "#oncall" {
		t.Errorf("follow-up without a thread: %v", last.form)
	}
	if _, _, ok, _ := threads.Thread(ctx, "#oncall:1400000001/7777"); ok {
		t.Error("a follow-up opened a thread")
	}
}
