package population

import "github.com/prometheus/client_golang/prometheus"

// Why an op was not written.
const (
	reasonQueueFull = "queue_full" // the writer's queue was full: Redis is slow or down
	reasonRedis     = "redis"      // Redis refused or did not answer the batch
	reasonInvalid   = "invalid"    // no app, room or user, or ids longer than TRTC's
	reasonClosed    = "closed"     // observed while shutting down
)

// Metrics counts what the tracker could not write. A nil *Metrics counts
// nothing.
type Metrics struct {
	dropped *prometheus.CounterVec
}

// NewMetrics registers the tracker's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hook_population_dropped_total",
		Help: "Room events (enter, exit, dismissed) not written to the room population, by reason: queue_full, redis, invalid, closed.",
	}, []string{"reason"})}
	// Every reason from the start: a dashboard shows 0, not "no data".
	for _, r := range []string{reasonQueueFull, reasonRedis, reasonInvalid, reasonClosed} {
		m.dropped.WithLabelValues(r)
	}
	reg.MustRegister(m.dropped)
	return m
}

func (m *Metrics) drop(reason string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.dropped.WithLabelValues(reason).Add(float64(n))
}
