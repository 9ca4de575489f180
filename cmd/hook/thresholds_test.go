package main

import (
	"testing"
)

// The threshold timelines rehearse as the rules' comments say: users of
// six rooms dropping page once for their app, with who is still away; a
// relay's three recovery episodes page once, TRTC's repeats within each
// never count.
func TestRehearseThresholdTimelines(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"app-outage.json", []string{
			`12:00:04.000  event 104 user "u4" room "room4" -> app-outage: pending`,
			`12:00:10.000  event 103 user "u2" room "room2" -> app-outage: cleared`,
			"12:00:24.000  timer threshold app-outage -> paged",
			"u0, u1, u3, u4, u5", // still away: u2 came back
			"1 page(s) in all",
		}},
		{"flapping.json", []string{
			`12:00:00.000  event 401 user "" room "live1" -> relay-flapping: counted`,
			`12:00:05.000  event 401 user "" room "live1" -> relay-flapping: duplicate`,
			`12:00:17.000  event 401 user "" room "live1" -> relay-flapping: cleared`,
			`12:02:00.000  event 401 user "" room "live1" -> relay-flapping: counted`,
			`12:04:00.000  event 401 user "" room "live1" -> relay-flapping: paged`,
			"cdn-a (3)", // three episodes, not twelve callbacks
			"1 page(s) in all",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out := rehearse(t, "--rules", "testdata/thresholds/rules.yaml", "--sequence", "testdata/thresholds/"+tc.file)
			outputHas(t, out, tc.want)
		})
	}
}
