package deploy

import (
	"fmt"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"
)

// promQL is Prometheus' own PromQL parser, default options (what a stock
// Prometheus accepts).
var promQL = parser.NewParser(parser.Options{})

// targetLabels are attached by Prometheus (and the Prometheus Operator) to
// every series it scrapes: any selector may use them.
var targetLabels = map[string]bool{
	"job": true, "instance": true, "namespace": true, "pod": true,
	"service": true, "container": true, "endpoint": true,
}

// prometheusMade are series Prometheus writes itself for every target.
var prometheusMade = map[string]bool{"up": true}

// checkExpr parses expr and checks that every metric it selects is one hook
// exports (a histogram's _bucket, _sum and _count series included), and that
// every label it matches on is one that metric has or a target label.
// It returns the metric names used, and one error per problem.
func checkExpr(expr string, exported map[string]family) (used []string, problems []error) {
	e, err := promQL.ParseExpr(expr)
	if err != nil {
		return nil, []error{fmt.Errorf("PromQL does not parse: %w", err)}
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if vs.Name == "" {
			problems = append(problems, fmt.Errorf("selector %s names no metric", vs))
			return nil
		}
		used = append(used, vs.Name)
		if prometheusMade[vs.Name] {
			return nil
		}
		labels, ok := seriesLabels(vs.Name, exported)
		if !ok {
			problems = append(problems, fmt.Errorf("metric %s is not exported by hook (its /metrics has: %s)", vs.Name, hookNames(exported)))
			return nil
		}
		for _, m := range vs.LabelMatchers {
			if m.Name == "__name__" || targetLabels[m.Name] || labels[m.Name] {
				continue
			}
			problems = append(problems, fmt.Errorf("metric %s has no label %q", vs.Name, m.Name))
		}
		return nil
	})
	return used, problems
}

// seriesLabels returns the label names of a series name hook exports.
func seriesLabels(name string, exported map[string]family) (map[string]bool, bool) {
	if f, ok := exported[name]; ok {
		return f.labels, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, found := strings.CutSuffix(name, suffix)
		f, ok := exported[base]
		if !found || !ok || f.typ != dto.MetricType_HISTOGRAM {
			continue
		}
		labels := map[string]bool{}
		for l := range f.labels {
			labels[l] = true
		}
		if suffix == "_bucket" {
			labels["le"] = true
		}
		return labels, true
	}
	return nil, false
}

func hookNames(exported map[string]family) string {
	var names []string
	for n := range exported {
		if strings.HasPrefix(n, "hook_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
