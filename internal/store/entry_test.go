package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/alert"
)

// TestDecodeEntryReceiver: the "r" field is decoded onto the notification's
// receiver exactly as json.Unmarshal did it before the fast decoder.
func TestDecodeEntryReceiver(t *testing.T) {
	oncall := alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "C1", Mentions: []string{"<!here>"}}
	for name, tc := range map[string]struct {
		carried alert.Receiver // the receiver inside "n"
		r       string
	}{
		"empty carried":             {r: `{"name":"oncall","kind":"slack","channel":"C1","mentions":["\u003c!here\u003e"]}`},
		"empty carried, odd r":      {r: ` {"Name":"x","kind":"console","mentions":[]} `},
		"carried, r replaces some":  {carried: oncall, r: `{"name":"backup","kind":"console"}`},
		"carried, r sets mentions":  {carried: oncall, r: `{"name":"backup","kind":"slack","mentions":["<@U1>","<@U2>"]}`},
		"carried mentions only":     {carried: alert.Receiver{Mentions: []string{}}, r: `{"name":"a","kind":"slack"}`},
		"empty carried, r not JSON": {r: `{"name":`},
		"carried, r not JSON":       {carried: oncall, r: `[1]`},
	} {
		t.Run(name, func(t *testing.T) {
			n, err := alert.Notification{ID: "a", Kind: alert.KindFiring, Receiver: tc.carried}.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := alert.UnmarshalNotification(n)
			wantErr := json.Unmarshal([]byte(tc.r), &want.Receiver)
			got, err := decodeEntry(map[string]any{"n": string(n), "r": tc.r})
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, json.Unmarshal's %v", err, wantErr)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "decode receiver: ") {
					t.Fatalf("error %q, want it to start with %q", err, "decode receiver: ")
				}
				return
			}
			if !reflect.DeepEqual(got.Receiver, want.Receiver) {
				t.Fatalf("receiver %#v, want %#v", got.Receiver, want.Receiver)
			}
		})
	}
}
