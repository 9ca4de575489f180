package enrich

import (
	"testing"
	"time"
)

// TestConvertEnrichmentKeepsUndocumented: an SDK event whose id or
// parameters the catalogue has no row for reaches the page marked so.
func TestConvertEnrichmentKeepsUndocumented(t *testing.T) {
	tests := []struct {
		name   string
		ev     ClientEvent
		undoc  bool
		p1, p2 int64
	}{
		{"documented", ClientEvent{ID: 5005, Name: "Connection to CVM timed out", Known: true, Param1: -1, Param2: -1}, false, -1, -1},
		{"a parameter matched no row", ClientEvent{ID: 1003, Name: "Network type changed", Known: true, Fallback: true, Param1: 9, Param2: -1}, true, 9, -1},
		{"an id the catalogue lacks", ClientEvent{ID: 99999, Name: "unknown sdk event", Param1: 5, Param2: 7}, true, 5, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := convertEnrichment(Enrichment{Events: []ClientEvent{tt.ev}})
			got := out.Events[0]
			if got.Undocumented != tt.undoc || got.Param1 != tt.p1 || got.Param2 != tt.p2 {
				t.Errorf("converted %+v, want undocumented %v, parameters %d, %d", got, tt.undoc, tt.p1, tt.p2)
			}
		})
	}
}

func TestCallDismissal(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                      string
		created, dismissed, event time.Time
		want                      time.Time
	}{
		{"dismissed after the event", t0, t0.Add(time.Hour), t0.Add(30 * time.Minute), t0.Add(time.Hour)},
		{"not dismissed", t0, time.Time{}, t0.Add(time.Minute), time.Time{}},
		{"an earlier call's dismissal, before this call's creation", t0, t0.Add(-time.Minute), t0.Add(time.Minute), time.Time{}},
		{"creation not seen, dismissal long before the event", time.Time{}, t0, t0.Add(time.Hour), time.Time{}},
		{"creation not seen, dismissal right after the event", time.Time{}, t0.Add(time.Second), t0, t0.Add(time.Second)},
	}
	for _, tt := range tests {
		if got := callDismissal(tt.created, tt.dismissed, tt.event); !got.Equal(tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
