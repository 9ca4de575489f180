package engine

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/alert"
)

// Metrics counts what happened to alerts. A nil *Metrics counts nothing.
type Metrics struct {
	verdicts *prometheus.CounterVec
	silenced prometheus.Counter
}

// NewMetrics registers the engine's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_alert_verdicts_total",
			Help: "What happened to alerts and timers: paged, grouped, duplicate, silenced, inhibited, counted, pending, cleared, resolved, ignored, updated, idle.",
		}, []string{"verdict"}),
		silenced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hook_silenced_total",
			Help: "Alerts a silence muted: counted here and on the silence, not sent.",
		}),
	}
	reg.MustRegister(m.verdicts, m.silenced)
	return m
}

func (m *Metrics) observe(v alert.Verdict) {
	if m == nil {
		return
	}
	m.verdicts.WithLabelValues(string(v)).Inc()
	if v == alert.VerdictSilenced {
		m.silenced.Inc()
	}
}
