package notify

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts what happens to pages. A nil registerer makes working but
// unregistered metrics (tests, or a process that exports none).
type Metrics struct {
	// Pages counts send attempts by outcome: delivered, retry, dead_letter,
	// fallback_delivered, fallback_failed.
	Pages *prometheus.CounterVec
	// DeadLetters counts pages moved to the dead-letter stream, by reason:
	// permanent, expired, undecodable, no_sender.
	DeadLetters *prometheus.CounterVec
}

// NewMetrics creates notify's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_pages_total",
			Help: "Page send attempts by receiver and outcome (delivered, retry, dead_letter, fallback_delivered, fallback_failed).",
		}, []string{"receiver", "outcome"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_dead_letters_total",
			Help: "Pages moved to the dead-letter stream, by reason (permanent, expired, undecodable, no_sender).",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.Pages, m.DeadLetters)
	}
	return m
}
