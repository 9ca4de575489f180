package alert

import "testing"

// FuzzUnmarshalNotification: whatever the bytes, UnmarshalNotification
// gives what encoding/json gives, value and error alike.
func FuzzUnmarshalNotification(f *testing.F) {
	for _, n := range notificationCases() {
		for _, b := range encodings(f, n) {
			if len(b) <= 4096 { // the long strings slow every mutation down
				f.Add(b)
			}
		}
	}
	for _, tc := range oddInputs {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkNotification(t, b)
	})
}

// FuzzUnmarshalReceiver is FuzzUnmarshalNotification for receivers.
func FuzzUnmarshalReceiver(f *testing.F) {
	for _, n := range notificationCases() {
		if b := n.Receiver.AppendJSON(nil); len(b) <= 1024 {
			f.Add(b)
		}
	}
	f.Add([]byte(` { "mentions" : [ "\u003c!here\u003e" , "\ud83d\ude00" ] , "kind" : "slack" } `))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkReceiver(t, b)
	})
}
