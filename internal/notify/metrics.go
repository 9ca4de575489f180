package notify

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of one delivery attempt, the outcome label of hook_pages_total.
const (
	PageDelivered    = "delivered"
	PageRetried      = "retried"       // a retryable failure; the page will be sent again
	PageDeadLettered = "dead_lettered" // given up on: see hook_dead_letters_total for why
	// A dead-lettered page handed to the fallback receiver, and how that went.
	PageFallbackDelivered = "fallback_delivered"
	PageFallbackFailed    = "fallback_failed"
)

// Reason classes of hook_dead_letters_total. The full reason, which can
// carry an error text, goes with the page into the dead-letter stream.
const (
	DeadRejected    = "rejected"    // the receiver refused it for good (bad channel, revoked token)
	DeadExpired     = "expired"     // undelivered for longer than MaxAge
	DeadUndecodable = "undecodable" // the outbox entry is not a page
	DeadNoSender    = "no_sender"   // no sender for the receiver's kind
)

// Metrics are the delivery side's Prometheus metrics.
type Metrics struct {
	pages       *prometheus.CounterVec
	deadLetters *prometheus.CounterVec
	digested    *prometheus.CounterVec // flood control: see flood.go
	digests     *prometheus.CounterVec
}

// NewMetrics creates the delivery metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_pages_total",
			Help: "Page delivery attempts, by receiver (the rules file's name) and outcome (delivered, retried, dead_lettered, fallback_delivered, fallback_failed).",
		}, []string{"receiver", "outcome"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_dead_letters_total",
			Help: "Pages moved to the dead-letter stream, by reason class (rejected, expired, undecodable, no_sender).",
		}, []string{"reason"}),
	}
	m.digested = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hook_pages_digested_total",
		Help: "Pages absorbed into a flood digest instead of sent one by one, by receiver.",
	}, []string{"receiver"})
	m.digests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hook_digests_total",
		Help: "Flood digests started (one per flood of a channel), by receiver.",
	}, []string{"receiver"})
	reg.MustRegister(m.pages, m.deadLetters, m.digested, m.digests)
	return m
}

func (m *Metrics) page(receiver, outcome string) {
	m.pages.WithLabelValues(receiver, outcome).Inc()
}

func (m *Metrics) deadLetter(receiver, class string) {
	m.page(receiver, PageDeadLettered)
	m.deadLetters.WithLabelValues(class).Inc()
}

// Receivers starts the per-receiver flood counters at zero for the receivers
// the rules name, so dashboards and alerts see "no flood" rather than nothing.
func (m *Metrics) Receivers(names ...string) {
	for _, n := range names {
		m.digested.WithLabelValues(n)
		m.digests.WithLabelValues(n)
	}
}
