package record

import (
	"github.com/hookdev/hook/internal/writebehind"
	"github.com/prometheus/client_golang/prometheus"
)

// Why a callback was not recorded.
const (
	reasonQueueFull = "queue_full" // the writer's queue was full: Redis is slow or down
	reasonRedis     = "redis"      // Redis refused or did not answer the batch
	reasonTooLarge  = "too_large"  // a body over MaxBody
	reasonClosed    = "closed"     // accepted while shutting down
)

// Metrics counts what the writer recorded and what it could not. A nil
// *Metrics counts nothing.
type Metrics struct {
	written prometheus.Counter
	dropped map[string]prometheus.Counter // by reason, resolved once: a drop on the callback path costs no label hashing
}

// NewMetrics registers the writer's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hook_record_written_total",
			Help: "Accepted callbacks written to the record hook backtest replays.",
		}),
		dropped: map[string]prometheus.Counter{},
	}
	reasons := []string{reasonQueueFull, reasonRedis, reasonTooLarge, reasonClosed}
	dropped := writebehind.NewDroppedCounter(reg, "hook_record_dropped_total",
		"Accepted callbacks not written to the record, by reason: queue_full, redis, too_large, closed.", reasons...)
	for _, r := range reasons {
		m.dropped[r] = dropped.WithLabelValues(r)
	}
	reg.MustRegister(m.written)
	return m
}

func (m *Metrics) drop(reason string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.dropped[reason].Add(float64(n))
}

func (m *Metrics) wrote(n int) {
	if m == nil || n == 0 {
		return
	}
	m.written.Add(float64(n))
}
