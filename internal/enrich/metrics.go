package enrich

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/trtcapi"
)

// Outcomes of one Enrich call, the outcome label of hook_enrichment_total.
const (
	OutcomeOK          = "ok"           // something to add to the page
	OutcomeEmpty       = "empty"        // TRTC had nothing (yet) for the subject
	OutcomeError       = "error"        // auth failure, API or network error, bad subject
	OutcomeRateLimited = "rate_limited" // TRTC's RequestLimitExceeded, or hook's limiter full
	OutcomeTimeout     = "timeout"      // the time budget ran out
	OutcomeSkipped     = "skipped"      // nothing to ask: room creation unknown, too old
)

// Metrics are the enrichment's Prometheus metrics.
type Metrics struct {
	enrichments *prometheus.CounterVec
	duration    prometheus.Histogram
	requests    *prometheus.CounterVec
	gaps        *prometheus.CounterVec
}

// NewMetrics creates the enrichment metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		enrichments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_enrichment_total",
			Help: "Page enrichments from TRTC's call-quality APIs, by outcome (ok, empty, error, rate_limited, timeout, skipped).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hook_enrichment_duration_seconds",
			Help:    "Time one page enrichment took, cache hits included; bounded by the time budget.",
			Buckets: []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 3, 5},
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_enrichment_api_requests_total",
			Help: "Requests sent to the TRTC API, by action and result class (ok, auth, rate_limited, not_found, timeout, invalid, api).",
		}, []string{"action", "result"}),
		gaps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_enrichment_missing_total",
			Help: "Data a page or its follow-up went out without, by data (call_quality, call_detail, room, client) and reason (TRTC's error code such as AuthFailure or RequestLimitExceeded, timeout, unreachable, throttled, no data, invalid, error).",
		}, []string{"data", "reason"}),
	}
	reg.MustRegister(m.enrichments, m.duration, m.requests, m.gaps)
	// Zeros from the start, so a dashboard shows enrichment as idle, not absent.
	for _, o := range []string{OutcomeOK, OutcomeEmpty, OutcomeError, OutcomeRateLimited, OutcomeTimeout, OutcomeSkipped} {
		m.enrichments.WithLabelValues(o)
	}
	for _, a := range trtcapi.Actions() {
		m.requests.WithLabelValues(a, "ok")
	}
	for _, d := range []string{DataCallQuality, DataCallDetail, DataRoom, DataClient} {
		for _, r := range []string{"AuthFailure", "RequestLimitExceeded", ReasonTimeout, ReasonUnreachable, ReasonNoData} {
			m.gaps.WithLabelValues(d, r)
		}
	}
	return m
}

func (m *Metrics) missing(data, reason string) { m.gaps.WithLabelValues(data, reason).Inc() }

func (m *Metrics) enrichment(outcome string, seconds float64) {
	m.enrichments.WithLabelValues(outcome).Inc()
	m.duration.Observe(seconds)
}

func (m *Metrics) request(action string, err error) {
	result := "ok"
	if e, ok := trtcapi.AsError(err); ok {
		result = string(e.Class)
	} else if err != nil {
		result = string(trtcapi.ClassAPI)
	}
	m.requests.WithLabelValues(action, result).Inc()
}
