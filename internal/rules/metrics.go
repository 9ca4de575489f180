package rules

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts what happened to alerts. A nil *Metrics counts nothing.
type Metrics struct {
	verdicts *prometheus.CounterVec
}

// NewMetrics registers the rules metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_alert_verdicts_total",
			Help: "What happened to alerts and timers: paged, grouped, duplicate, silenced, inhibited, counted, pending, cleared, resolved, ignored, updated, idle.",
		}, []string{"verdict"}),
	}
	reg.MustRegister(m.verdicts)
	return m
}

func (m *Metrics) observe(v Verdict) {
	if m == nil {
		return
	}
	m.verdicts.WithLabelValues(string(v)).Inc()
}
