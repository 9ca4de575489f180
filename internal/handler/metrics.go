package handler

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/engine"
)

// Metrics are the callback endpoint's Prometheus metrics.
type Metrics struct {
	callbacks         *prometheus.CounterVec
	duration          prometheus.Histogram
	signatureFailures *prometheus.CounterVec
	ruleMatches       *prometheus.CounterVec
	dedupHits         *prometheus.CounterVec
}

// NewMetrics creates the handler's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_callbacks_total",
			Help: "Callbacks received, by event group and type (catalogue names; \"unknown\" for undocumented or undecoded ones) and outcome.",
		}, []string{"group", "type", "outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hook_callback_duration_seconds",
			Help:    "Time to answer a callback, from request to response (TRTC gives up after 5s).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		signatureFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_signature_failures_total",
			Help: "Callbacks refused as unauthenticated, by reason (missing_sign, missing_app, unknown_app, bad_signature, replay).",
		}, []string{"reason"}),
		ruleMatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_rule_matches_total",
			Help: "Callbacks each rule matched (whether or not the match paged).",
		}, []string{"rule"}),
		dedupHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_dedup_hits_total",
			Help: "Rule matches that paged nobody because the same page went out within the dedup window.",
		}, []string{"rule"}),
	}
	reg.MustRegister(m.callbacks, m.duration, m.signatureFailures, m.ruleMatches, m.dedupHits)
	return m
}

// observe records one callback. Group and type labels are catalogue names, so
// label values are bounded by the catalogue plus "unknown", whatever arrives.
func (m *Metrics) observe(cat *catalog.Catalog, ev callback.Event, res engine.Result, err error, seconds float64) {
	// A callback refused before decoding has Group and Type 0: "unknown".
	group := cat.Code(catalog.FieldGroup, 0, ev.Group).Name
	typ := cat.Code(catalog.FieldEvent, 0, ev.Type).Name
	m.callbacks.WithLabelValues(group, typ, outcome(res, err)).Inc()
	m.duration.Observe(seconds)
	if err != nil && isAuthFailure(err) {
		m.signatureFailures.WithLabelValues(reasonFor(err)).Inc()
	}
	for _, o := range res.Outcomes {
		if o.Clear {
			continue // a recovery for the rule, not a match of it
		}
		m.ruleMatches.WithLabelValues(o.Rule).Inc()
		if o.Verdict == alert.VerdictDuplicate {
			m.dedupHits.WithLabelValues(o.Rule).Inc()
		}
	}
}

// isAuthFailure reports errors that mean "not provably a fresh callback from TRTC".
func isAuthFailure(err error) bool { return alert.CodeOf(err) == alert.EUNAUTHORIZED }
