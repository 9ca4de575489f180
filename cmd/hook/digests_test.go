package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/state"
)

func TestCmdOutboxDigests(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	st := outbox.New(rdb, singleSlot(), outbox.Options{})
	ctx := context.Background()
	r := alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall"}
	for i := range 3 {
		n := alert.Notification{ID: fmt.Sprintf("p-%d", i), Kind: alert.KindFiring, Rule: "recording-start-failed",
			Severity: alert.SeverityCritical, CreatedAt: time.Now(), Receiver: r,
			Event: alert.Event{App: "1400000001", Room: fmt.Sprintf("room-%d", i), Task: "t\x1b[31m"}}
		enqueue(t, rdb, st, n)
	}
	dels, err := st.Read(ctx, "a", 10, time.Millisecond)
	if err != nil || len(dels) != 3 {
		t.Fatalf("read %d, %v", len(dels), err)
	}
	digest := alert.Notification{ID: "dg-20261127T030000Z-0001", Kind: alert.KindDigest, Receiver: r,
		Digest: &alert.Digest{Pages: 3, Rooms: 3, ByRule: []alert.DigestRule{{Rule: "recording-start-failed", Severity: alert.SeverityCritical, Pages: 3, Rooms: 3}}}}
	if ids, err := st.Absorb(ctx, "a", digest, dels); err != nil || len(ids) != 3 {
		t.Fatalf("absorb: %v, %v", ids, err)
	}
	if err := st.SaveDigest(ctx, digest, "C1/1.2"); err != nil {
		t.Fatal(err)
	}
	srv := adminServer(t, handler.Deps{Store: state.New(rdb, "hook"), Outbox: st, Digests: st})
	getenv := func(k string) string {
		if k == "HOOK_ADMIN_TOKEN" {
			return "tok"
		}
		return ""
	}

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"list counts digests", []string{"list"}, 0, []string{"outbox: 0 waiting", "; 1 flood digests (hook outbox digests)"}},
		{"digests", []string{"digests"}, 0, []string{"dg-20261127T030000Z-0001", "oncall", "#oncall", "open",
			"3 more pages: recording-start-failed in 3 rooms"}},
		{"one digest", []string{"digests", "dg-20261127T030000Z-0001"}, 0, []string{"3 pages for oncall (#oncall)",
			"3 listed one by one, 3 shown", "p-0-oncall", "room-2", "t\uFFFD[31m"}},
		{"limit", []string{"digests", "--limit", "1", "dg-20261127T030000Z-0001"}, 0, []string{"1 shown", "p-0-oncall"}},
		{"json", []string{"digests", "--json"}, 0, []string{`"pages":3`}},
		{"unknown digest", []string{"digests", "dg-nope"}, 1, []string{"404: no such digest"}},
		{"two ids", []string{"digests", "a", "b"}, 2, []string{"at most one digest ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"outbox", tt.args[0], "--url", srv.URL}, tt.args[1:]...)
			err := run(ctx, args, getenv, nil, &out, &errOut)
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit %d, want %d (err %v, stderr %s)", got, tt.code, err, errOut.String())
			}
			text := out.String() + errOut.String()
			if err != nil {
				text += err.Error()
			}
			outputHas(t, text, tt.want)
		})
	}
}
