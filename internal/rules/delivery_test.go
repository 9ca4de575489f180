package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/notify"
)

func TestDeliveryFor(t *testing.T) {
	const head = `receivers:
  - name: oncall
    slack: {channel: "#oncall", mentions: {critical: ["<!here>"]}}
  - name: console
    console: {}
default_receiver: oncall
rules:
  - name: r
    match: {event: room.exit}
`
	tests := []struct {
		name     string
		section  string
		maxAge   time.Duration
		fallback string
		err      string
	}{
		{"defaults", "", time.Hour, "", ""},
		{"set", "delivery:\n  max_age: 30m\n  fallback_receiver: console\n", 30 * time.Minute, "console", ""},
		{"slack fallback gets critical mentions", "delivery:\n  fallback_receiver: oncall\n", time.Hour, "oncall", ""},
		{"unknown receiver", "delivery:\n  fallback_receiver: consle\n", 0, "", `rules.yaml:11:22: delivery.fallback_receiver "consle" is not a receiver, did you mean "console"?`},
		{"too short", "delivery:\n  max_age: 5s\n", 0, "", "rules.yaml:11:12: delivery.max_age 5s is too short"},
		{"bad duration", "delivery:\n  max_age: soon\n", 0, "", "rules.yaml:11"},
		{"unknown key", "delivery:\n  maxage: 1h\n", 0, "", `rules.yaml:11:3: unknown field ` + "`maxage`" + `, did you mean ` + "`max_age`" + `?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := compileDelivery(t, head+tt.section, tt.err)
			if rs == nil {
				return
			}
			ds := rs.Delivery()
			if ds.MaxAge != tt.maxAge {
				t.Errorf("max age %s, want %s", ds.MaxAge, tt.maxAge)
			}
			switch {
			case tt.fallback == "" && ds.Fallback != nil:
				t.Errorf("fallback %+v, want none", ds.Fallback)
			case tt.fallback != "" && (ds.Fallback == nil || ds.Fallback.Name != tt.fallback):
				t.Errorf("fallback %+v, want %s", ds.Fallback, tt.fallback)
			case tt.fallback == "oncall" && (ds.Fallback.Kind != alert.ReceiverSlack || len(ds.Fallback.Mentions) != 1):
				t.Errorf("fallback %+v, want slack with the critical mentions", ds.Fallback)
			}
		})
	}
}

func TestFloodSettings(t *testing.T) {
	const head = `receivers:
  - name: oncall
    slack: {channel: "#oncall"}
default_receiver: oncall
rules:
  - name: r
    match: {event: room.exit}
delivery:
`
	on := notify.FloodConfig{Threshold: 20, Interval: 10 * time.Second, Examples: 5}
	tests := []struct {
		name    string
		section string
		want    notify.FloodConfig
		err     string
	}{
		{"on by default", "", on, ""},
		{"set", "  flood: {threshold: 50, interval: 30s, examples: 0}\n",
			notify.FloodConfig{Threshold: 50, Interval: 30 * time.Second, Examples: -1}, ""},
		{"off", "  flood: {enabled: false}\n", notify.FloodConfig{Off: true, Threshold: 20, Interval: 10 * time.Second, Examples: 5}, ""},
		{"threshold too high", "  flood: {threshold: 300}\n", on,
			"rules.yaml:9:22: delivery.flood.threshold 300 is too high: a replica holds at most 256 pages in memory, so a flood would go unnoticed (use at most 200)"},
		{"negative threshold", "  flood: {threshold: -1}\n", on, "rules.yaml:9:22: delivery.flood.threshold -1: must be at least 1"},
		{"interval too long", "  flood: {interval: 1h}\n", on, "rules.yaml:9:21: delivery.flood.interval 1h0m0s is too long"},
		{"interval zero", "  flood: {interval: 0s}\n", on, "rules.yaml:9:21: delivery.flood.interval 0s is too short"},
		{"interval without unit", "  flood: {interval: 10}\n", on, `rules.yaml:9:21: interval: bad duration "10"`},
		{"examples negative", "  flood: {examples: -2}\n", on, "rules.yaml:9:21: delivery.flood.examples -2: use 0 (none) to 20"},
		{"not a mapping", "  flood: off\n", on, "rules.yaml:9:10: flood: expected a mapping, got \"off\""},
		{"enabled not a bool", "  flood: {enabled: sometimes}\n", on, "rules.yaml:9:20: enabled: expected true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := compileDelivery(t, head+tt.section, tt.err)
			if rs == nil {
				return
			}
			if got := rs.Delivery().Flood; got != tt.want {
				t.Errorf("flood = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// compileDelivery compiles src as rules.yaml. With wantErr set, it fails the
// test unless compiling fails with an error containing wantErr, and returns
// nil; without, it fails the test on any error.
func compileDelivery(t *testing.T, src, wantErr string) *Ruleset {
	t.Helper()
	rs, err := Compile("rules.yaml", []byte(src), catalogtest.New(t), func(string) string { return "k" })
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
