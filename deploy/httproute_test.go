package deploy

import (
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

// slackManifest is the Slack app's manifest, whose request URL Slack posts
// button clicks to: the chart must publish its path.
const slackManifest = "slack/manifest.yaml"

// publicPaths are what the Ingress and the HTTPRoute publish by default:
// TRTC's callback endpoint and the path of the Slack app's request URL.
func publicPaths(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(slackManifest)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Settings struct {
			Interactivity struct {
				RequestURL string `json:"request_url"`
			} `json:"interactivity"`
		} `json:"settings"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", slackManifest, err)
	}
	u, err := url.Parse(m.Settings.Interactivity.RequestURL)
	if err != nil || u.Path == "" {
		t.Fatalf("%s: settings.interactivity.request_url %q has no path (%v)", slackManifest, m.Settings.Interactivity.RequestURL, err)
	}
	return []string{"/callback", u.Path}
}

// checkHTTPRoute checks the one HTTPRoute: attached to the Gateway the
// values name, for the hosts they name, publishing exactly the public paths,
// each to the hook Service's port.
func checkHTTPRoute(t *testing.T, r rendered, svc *corev1.Service, hosts []string) {
	t.Helper()
	route := one[gatewayv1.HTTPRoute](t, r, "gateway.networking.k8s.io/v1/HTTPRoute", svc.Name)
	if route.Annotations["team"] != "rtc" {
		t.Errorf("HTTPRoute annotations dropped: %v", route.Annotations)
	}
	refs := route.Spec.ParentRefs
	if len(refs) != 1 || refs[0].Name != "public" || refs[0].Namespace == nil || *refs[0].Namespace != "gateway-system" ||
		refs[0].SectionName == nil || *refs[0].SectionName != "https" {
		t.Errorf("HTTPRoute parentRefs: %+v", refs)
	}
	var gotHosts []string
	for _, h := range route.Spec.Hostnames {
		gotHosts = append(gotHosts, string(h))
	}
	if !slices.Equal(gotHosts, hosts) {
		t.Errorf("HTTPRoute hostnames %v, want %v", gotHosts, hosts)
	}
	var paths []string
	for _, rule := range route.Spec.Rules {
		for _, m := range rule.Matches {
			if m.Path == nil || m.Path.Type == nil || *m.Path.Type != gatewayv1.PathMatchExact || m.Path.Value == nil {
				t.Errorf("HTTPRoute match %+v: want an Exact path", m)
				continue
			}
			paths = append(paths, *m.Path.Value)
		}
		if len(rule.BackendRefs) != 1 {
			t.Errorf("HTTPRoute rule has %d backends, want the hook Service", len(rule.BackendRefs))
			continue
		}
		b := rule.BackendRefs[0].BackendObjectReference
		if b.Name != gatewayv1.ObjectName(svc.Name) || b.Port == nil || !hasServicePort(svc, int32(*b.Port)) ||
			(b.Kind != nil && *b.Kind != "Service") || (b.Group != nil && *b.Group != "") || b.Namespace != nil {
			t.Errorf("HTTPRoute backend %+v is not the hook Service %s", b, svc.Name)
		}
	}
	if want := publicPaths(t); !slices.Equal(paths, want) {
		t.Errorf("HTTPRoute publishes %v, want %v: only the callback and Slack's button requests are public", paths, want)
	}
}

func hasServicePort(svc *corev1.Service, port int32) bool {
	for _, p := range svc.Spec.Ports {
		if p.Port == port {
			return true
		}
	}
	return false
}

// TestChartHTTPRouteAlone: a Gateway instead of an Ingress, on both
// Kubernetes versions; the NOTES give the callback and Slack URLs on the
// route's hosts.
func TestChartHTTPRouteAlone(t *testing.T) {
	vals := merge(minimalValues(), map[string]any{
		"secrets": map[string]any{"callbackKey": "k3y", "slackBotToken": "xoxb-1", "slackSigningSecret": "s1gn"},
		"httpRoute": map[string]any{
			"enabled":     true,
			"annotations": map[string]any{"team": "rtc"},
			"parentRefs":  []any{map[string]any{"name": "public", "namespace": "gateway-system", "sectionName": "https"}},
		},
	})
	for _, kube := range []string{newestKube, oldestKube} {
		r, err := render(t, vals, kube)
		if err != nil {
			t.Fatal(err)
		}
		checkNamesAndLabels(t, r)
		if n := count(r, "networking.k8s.io/v1/Ingress"); n != 0 {
			t.Errorf("%d Ingress rendered; only the HTTPRoute was asked for", n)
		}
		svc := one[corev1.Service](t, r, "v1/Service", releaseName+"-hook")
		checkHTTPRoute(t, r, svc, []string{"hook.example.com"})
		for _, want := range []string{"https://hook.example.com/callback", "https://hook.example.com/slack/interactions"} {
			if !strings.Contains(r.notes, want) {
				t.Errorf("NOTES lack %s:\n%s", want, r.notes)
			}
		}
		lintChart(t, vals, kube)
	}
}
