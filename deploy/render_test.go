package deploy

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const (
	chartDir         = "helm/hook"
	releaseName      = "oncall"
	releaseNamespace = "trtc"
)

// The chart renders for the oldest Kubernetes its kubeVersion admits and for
// a current one. (Helm's library default is v1.20, below the chart's floor.)
const (
	oldestKube = "v1.25.0"
	newestKube = "v1.34.0"
)

// object is one rendered manifest, decoded strictly into its API type.
type object struct {
	source string // the template it came from
	kind   string // apiVersion/kind
	meta   metav1.ObjectMeta
	value  any // *appsv1.Deployment, *corev1.Service, ...
}

// apiTypes are the kinds the chart may render, each with its Go type. A kind
// not listed here fails the test: add it with its real API type.
var apiTypes = map[string]func() any{
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"v1/Pod":                                  func() any { return &corev1.Pod{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                     func() any { return &appsv1.StatefulSet{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":            func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &monitoringv1.ServiceMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &monitoringv1.PrometheusRule{} },
	"gateway.networking.k8s.io/v1/HTTPRoute":  func() any { return &gatewayv1.HTTPRoute{} },
}

// rendered is what one `helm install --dry-run` produced.
type rendered struct {
	objects []object
	notes   string
}

// render installs the chart with vals the way `helm install --dry-run`
// (client only) does, and decodes every manifest, hooks included.
func render(t *testing.T, vals map[string]any, kubeVersion string) (rendered, error) {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	install := action.NewInstall(&action.Configuration{Log: t.Logf})
	install.DryRun = true
	install.ClientOnly = true
	install.ReleaseName = releaseName
	install.Namespace = releaseNamespace
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	install.KubeVersion = kv
	rel, err := install.Run(chrt, vals)
	if err != nil {
		return rendered{}, err
	}
	out := rendered{notes: rel.Info.Notes}
	manifests := releaseutil.SplitManifests(rel.Manifest)
	for _, h := range rel.Hooks {
		manifests["hook:"+h.Path] = h.Manifest
	}
	keys := make([]string, 0, len(manifests))
	for k := range manifests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		obj, err := decodeStrict(manifests[k])
		if err != nil {
			t.Fatalf("%s:\n%v\n---\n%s", k, err, manifests[k])
		}
		out.objects = append(out.objects, obj)
	}
	return out, nil
}

// decodeStrict decodes one manifest into its Kubernetes API type: an unknown
// field, a duplicate key or a value of the wrong type is an error.
func decodeStrict(manifest string) (object, error) {
	var head struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal([]byte(manifest), &head); err != nil {
		return object{}, err
	}
	source := head.Metadata.Annotations["helm.sh/hook"]
	if i := strings.Index(manifest, "# Source: "); i >= 0 {
		source = strings.SplitN(manifest[i+len("# Source: "):], "\n", 2)[0]
	}
	kind := head.APIVersion + "/" + head.Kind
	newValue, ok := apiTypes[kind]
	if !ok {
		return object{}, fmt.Errorf("kind %s is not one the tests know: add its API type to apiTypes", kind)
	}
	// As the API server's strict field validation does: YAML without
	// duplicate keys, then case-sensitive JSON with no unknown or duplicate
	// fields (encoding/json alone would take "readonly" for readOnly).
	doc, err := yaml.YAMLToJSONStrict([]byte(manifest))
	if err != nil {
		return object{}, fmt.Errorf("%s: %w", kind, err)
	}
	value := newValue()
	strictErrs, err := kjson.UnmarshalStrict(doc, value)
	if err = errors.Join(append(strictErrs, err)...); err != nil {
		return object{}, fmt.Errorf("%s does not decode strictly: %w", kind, err)
	}
	meta, err := objectMeta(value)
	if err != nil {
		return object{}, err
	}
	return object{source: source, kind: kind, meta: meta, value: value}, nil
}

func objectMeta(v any) (metav1.ObjectMeta, error) {
	m, ok := v.(metav1.Object)
	if !ok {
		return metav1.ObjectMeta{}, fmt.Errorf("%T has no metadata", v)
	}
	return metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(), Labels: m.GetLabels(), Annotations: m.GetAnnotations()}, nil
}

// one returns the only object of kind (apiVersion/kind) named name ("" any),
// failing the test if there is not exactly one.
func one[T any](t *testing.T, r rendered, kind, name string) *T {
	t.Helper()
	var found []*T
	for _, o := range r.objects {
		if o.kind == kind && (name == "" || o.meta.Name == name) {
			found = append(found, o.value.(*T))
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s %q, rendered %d", kind, name, len(found))
	}
	return found[0]
}

func count(r rendered, kind string) int {
	n := 0
	for _, o := range r.objects {
		if o.kind == kind {
			n++
		}
	}
	return n
}

// lintChart runs helm lint's own rules with vals; anything at warning or
// above fails.
func lintChart(t *testing.T, vals map[string]any, kubeVersion string) {
	t.Helper()
	for _, m := range lintMessages(t, vals, kubeVersion) {
		if m.Severity >= support.WarningSev {
			t.Errorf("helm lint: %s", m)
		} else {
			t.Logf("helm lint: %s", m)
		}
	}
}

// lintMessages runs helm lint's own rules (values.schema.json included) with vals.
func lintMessages(t *testing.T, vals map[string]any, kubeVersion string) []support.Message {
	t.Helper()
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	return lint.AllWithKubeVersion(chartDir, vals, releaseNamespace, kv).Messages
}

// checkNamesAndLabels applies the API server's own name and label rules.
func checkNamesAndLabels(t *testing.T, r rendered) {
	t.Helper()
	for _, o := range r.objects {
		for _, msg := range validation.IsDNS1123Subdomain(o.meta.Name) {
			t.Errorf("%s %q: name: %s", o.kind, o.meta.Name, msg)
		}
		if o.kind == "v1/Service" {
			for _, msg := range validation.IsDNS1035Label(o.meta.Name) {
				t.Errorf("Service %q: %s", o.meta.Name, msg)
			}
		}
		for k, v := range o.meta.Labels {
			for _, msg := range validation.IsQualifiedName(k) {
				t.Errorf("%s %q: label key %q: %s", o.kind, o.meta.Name, k, msg)
			}
			for _, msg := range validation.IsValidLabelValue(v) {
				t.Errorf("%s %q: label %s=%q: %s", o.kind, o.meta.Name, k, v, msg)
			}
		}
	}
}
