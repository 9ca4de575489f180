package engine

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hookdev/hook/internal/alert"
)

func TestMetricsCountVerdictsAndSilences(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	for _, v := range []alert.Verdict{alert.VerdictPaged, alert.VerdictSilenced, alert.VerdictSilenced, alert.VerdictInhibited} {
		m.observe(v)
	}
	if n := testutil.ToFloat64(m.silenced); n != 2 {
		t.Errorf("hook_silenced_total = %v, want 2", n)
	}
	if n := testutil.ToFloat64(m.verdicts.WithLabelValues("inhibited")); n != 1 {
		t.Errorf(`hook_alert_verdicts_total{verdict="inhibited"} = %v, want 1`, n)
	}
	var none *Metrics
	none.observe(alert.VerdictPaged) // a nil *Metrics counts nothing, and does not panic
}
