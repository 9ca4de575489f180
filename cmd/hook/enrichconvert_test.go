package main

import (
	"testing"

	"github.com/hookdev/hook/internal/enrich"
)

// TestConvertEnrichmentKeepsUndocumented: an SDK event whose id or
// parameters the catalogue has no row for reaches the page marked so.
func TestConvertEnrichmentKeepsUndocumented(t *testing.T) {
	tests := []struct {
		name   string
		ev     enrich.ClientEvent
		undoc  bool
		p1, p2 int64
	}{
		{"documented", enrich.ClientEvent{ID: 5005, Name: "Connection to CVM timed out", Known: true, Param1: -1, Param2: -1}, false, -1, -1},
		{"a parameter matched no row", enrich.ClientEvent{ID: 1003, Name: "Network type changed", Known: true, Fallback: true, Param1: 9, Param2: -1}, true, 9, -1},
		{"an id the catalogue lacks", enrich.ClientEvent{ID: 99999, Name: "unknown sdk event", Param1: 5, Param2: 7}, true, 5, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := convertEnrichment(enrich.Enrichment{Events: []enrich.ClientEvent{tt.ev}})
			got := out.Events[0]
			if got.Undocumented != tt.undoc || got.Param1 != tt.p1 || got.Param2 != tt.p2 {
				t.Errorf("converted %+v, want undocumented %v, parameters %d, %d", got, tt.undoc, tt.p1, tt.p2)
			}
		})
	}
}
