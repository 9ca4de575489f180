package population

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/writebehind"
)

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
	return &Metrics{dropped: writebehind.NewDroppedCounter(reg, "hook_population_dropped_total",
		"Room events (enter, exit, dismissed) not written to the room population, by reason: queue_full, redis, invalid, closed.",
		reasonQueueFull, reasonRedis, reasonInvalid, reasonClosed)}
}

func (m *Metrics) drop(reason string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.dropped.WithLabelValues(reason).Add(float64(n))
}
