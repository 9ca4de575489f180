package handler

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
)

// Only a real duplicate is a dedup hit, and a clearing event is no match.
func TestMetricsCountDuplicatesAndMatchesOnly(t *testing.T) {
	cat := catalogtest.New(t)
	m := NewMetrics(prometheus.NewRegistry())
	res := engine.Result{Outcomes: []engine.Outcome{
		{Rule: "user-dropped", Verdict: alert.VerdictPending},
		{Rule: "user-dropped", Verdict: alert.VerdictDuplicate},
		{Rule: "user-dropped", Verdict: alert.VerdictCleared, Clear: true},
		{Rule: "storm", Verdict: alert.VerdictCounted},
	}}
	m.observe(cat, callback.Event{Group: 1, Type: 104}, res, nil, 0.001)
	for _, tc := range []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.ruleMatches.WithLabelValues("user-dropped"), 2},
		{m.ruleMatches.WithLabelValues("storm"), 1},
		{m.dedupHits.WithLabelValues("user-dropped"), 1},
		{m.dedupHits.WithLabelValues("storm"), 0},
	} {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("%v = %v, want %v", tc.c, got, tc.want)
		}
	}
}
