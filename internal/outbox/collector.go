package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector reports the outbox's depth and the age of its oldest page,
// read from Redis when Prometheus scrapes, so every replica reports the shared
// truth and nothing polls Redis between scrapes.
type Collector struct {
	outbox  *Outbox
	timeout time.Duration
	now     func() time.Time

	depth, oldest, dead *prometheus.Desc
}

// NewCollector returns a collector for o; each scrape waits at most
// timeout for Redis and reports nothing for the outbox when it does not answer.
func NewCollector(o *Outbox, timeout time.Duration, now func() time.Time) *Collector {
	return &Collector{
		outbox: o, timeout: timeout, now: now,
		depth:  prometheus.NewDesc("hook_outbox_depth", "Pages waiting in the outbox for delivery (including those being retried).", nil, nil),
		oldest: prometheus.NewDesc("hook_outbox_oldest_age_seconds", "How long the oldest page in the outbox has waited; 0 when it is empty.", nil, nil),
		dead:   prometheus.NewDesc("hook_dead_letter_depth", "Pages in the dead-letter stream, waiting for a human.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
	ch <- c.dead
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	depth, err := c.outbox.Depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(depth))
	if age, err := c.outbox.OldestAge(ctx, c.now()); err == nil {
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age.Seconds())
	}
	if n, err := c.outbox.sumLen(ctx, DeadLetters); err == nil {
		ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(n))
	}
}
