package deploy

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint/support"
)

const schemaFile = chartDir + "/values.schema.json"

func readSchema(t *testing.T) (raw []byte, doc map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	return raw, doc
}

func readValuesYAML(t *testing.T) map[string]any {
	t.Helper()
	vals, err := chartutil.ReadValuesFile(chartDir + "/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

// TestValuesSchemaAcceptsValuesYAML: the defaults, and every set of values
// the other tests install, are valid by the schema, checked by Helm's own
// validator (the one install, upgrade, template and lint run).
func TestValuesSchemaAcceptsValuesYAML(t *testing.T) {
	raw, _ := readSchema(t)
	defaults := readValuesYAML(t)
	if err := chartutil.ValidateAgainstSingleSchema(defaults, raw); err != nil {
		t.Fatalf("values.yaml does not validate against values.schema.json:\n%v", err)
	}
	for name, vals := range map[string]map[string]any{"minimal": minimalValues(), "everything": everythingValues(), "existing": existingValues()} {
		merged, err := chartutil.CoalesceValues(loadChart(t), vals)
		if err != nil {
			t.Fatal(err)
		}
		if err := chartutil.ValidateAgainstSingleSchema(merged, raw); err != nil {
			t.Errorf("%s values do not validate:\n%v", name, err)
		}
	}
}

// TestValuesSchemaDescribesEveryValue walks values.yaml and the schema
// together: every value has a property with a description, every property
// is a value (no schema for values that went away), and every object of
// hook's own refuses keys it does not know, so a misspelt value is an error
// instead of a silently ignored setting. Kubernetes objects passed through
// as they are (resources, affinity, probes...) are described as a whole.
func TestValuesSchemaDescribesEveryValue(t *testing.T) {
	_, schema := readSchema(t)
	defs, _ := schema["definitions"].(map[string]any)
	var walk func(path string, value any, node map[string]any)
	walk = func(path string, value any, node map[string]any) {
		if ref, ok := node["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/definitions/")
			def, ok := defs[name].(map[string]any)
			if !ok {
				t.Errorf("%s: $ref %s resolves to nothing", path, ref)
				return
			}
			node = def
		}
		props, hasProps := node["properties"].(map[string]any)
		m, isMap := value.(map[string]any)
		if !isMap || !hasProps {
			return // a leaf, or a free-form object described as a whole
		}
		if node["additionalProperties"] != false && path != "updateStrategy" {
			t.Errorf("%s: the schema takes unknown keys; set additionalProperties: false", orTop(path))
		}
		for _, k := range slices.Sorted(mapKeys(m)) {
			p, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s: in values.yaml but not in values.schema.json", join(path, k))
				continue
			}
			walk(join(path, k), m[k], p)
		}
		for _, k := range slices.Sorted(mapKeys(props)) {
			p, _ := props[k].(map[string]any)
			if d, _ := p["description"].(string); strings.TrimSpace(d) == "" && node["description"] != nil {
				t.Errorf("%s: no description in values.schema.json", join(path, k))
			}
			if _, ok := m[k]; !ok && !(path == "" && k == "global") && !(path == "updateStrategy") {
				t.Errorf("%s: in values.schema.json but not in values.yaml", join(path, k))
			}
		}
	}
	walk("", readValuesYAML(t), schema)
}

func orTop(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !yield(k) {
				return
			}
		}
	}
}

// TestChartRefusesBadValues: values the schema refuses stop `helm install`
// (and upgrade and template) before anything renders, and make `helm lint`
// fail, each with an error naming the value.
func TestChartRefusesBadValues(t *testing.T) {
	tests := []struct {
		name string
		over map[string]any
		want string // the value's path, as Helm's validator names it
	}{
		{"a misspelt top-level value", map[string]any{"replicas": 3}, "replicas"},
		{"a misspelt nested value", map[string]any{"ingress": map[string]any{"host": "hook.example.com"}}, "/ingress"},
		{"replicas as words", map[string]any{"replicaCount": "two"}, "/replicaCount"},
		{"negative replicas", map[string]any{"replicaCount": -1}, "/replicaCount"},
		{"an unknown log level", map[string]any{"log": map[string]any{"level": "verbose"}}, "/log/level"},
		{"an unknown log format", map[string]any{"log": map[string]any{"format": "xml"}}, "/log/format"},
		{"a replay window hook cannot parse", map[string]any{"replayWindow": "ten minutes"}, "/replayWindow"},
		{"a digest without its algorithm", map[string]any{"image": map[string]any{"digest": strings.Repeat("ab", 32)}}, "/image/digest"},
		{"an unknown pull policy", map[string]any{"image": map[string]any{"pullPolicy": "Sometimes"}}, "/image/pullPolicy"},
		{"a port out of range", map[string]any{"service": map[string]any{"port": 70000}}, "/service/port"},
		{"an unknown anti-affinity", map[string]any{"podAntiAffinity": "sometimes"}, "/podAntiAffinity"},
		{"a Redis URL of another kind", map[string]any{"redis": map[string]any{"url": "memcached://m:11211"}}, "/redis/url"},
		{"a user token for the bot", map[string]any{"secrets": map[string]any{"callbackKey": "k", "slackBotToken": "xoxp-1"}}, "/secrets/slackBotToken"},
		{"an extra secret that is no variable name", map[string]any{"secrets": map[string]any{"callbackKey": "k", "extra": map[string]any{"TRTC-KEY": "x"}}}, "/secrets/extra"},
		{"an Ingress path type Kubernetes does not know", map[string]any{"ingress": map[string]any{"paths": []any{map[string]any{"path": "/callback", "pathType": "Regex"}}}}, "/ingress/paths/0/pathType"},
		{"an HTTPRoute attached to nothing", map[string]any{"httpRoute": map[string]any{"enabled": true}}, "/httpRoute/parentRefs"},
		{"an HTTPRoute parent without a name", map[string]any{"httpRoute": map[string]any{"enabled": true, "parentRefs": []any{map[string]any{"namespace": "gw"}}}}, "/httpRoute/parentRefs/0"},
		{"a scrape interval Prometheus cannot parse", map[string]any{"serviceMonitor": map[string]any{"interval": "30 seconds"}}, "/serviceMonitor/interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := merge(minimalValues(), tt.over)
			_, err := render(t, vals, newestKube)
			if err == nil || !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("install error = %v, want the schema refusing %s", err, tt.want)
			}
			if msgs := lintErrors(t, vals); !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tt.want) }) {
				t.Errorf("helm lint errors %q, want one naming %s", msgs, tt.want)
			}
		})
	}
}

// lintErrors runs helm lint with vals and returns its error messages.
func lintErrors(t *testing.T, vals map[string]any) []string {
	t.Helper()
	var out []string
	for _, m := range lintMessages(t, vals, newestKube) {
		if m.Severity == support.ErrorSev {
			out = append(out, m.Error())
		}
	}
	return out
}

// TestChartLintReadsTheSchema: helm lint loads values.schema.json (a schema
// Helm could not read would make every lint fail, a missing one would make
// the checks above pass vacuously).
func TestChartLintReadsTheSchema(t *testing.T) {
	chrt := loadChart(t)
	if len(chrt.Schema) == 0 {
		t.Fatal("the loaded chart has no values.schema.json")
	}
	var s map[string]any
	if err := json.Unmarshal(chrt.Schema, &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("$schema = %v; draft-07 is what every Helm 3 validates", s["$schema"])
	}
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	return chrt
}
