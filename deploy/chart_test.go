package deploy

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// minimalValues is the least a real install sets: a callback key and a Redis.
func minimalValues() map[string]any {
	return map[string]any{
		"secrets": map[string]any{"callbackKey": "k3y"},
		"redis":   map[string]any{"url": "redis://:secret@redis.example:6379/0"},
	}
}

const customRules = `# team rules
receivers:
  - name: oncall
    slack: {channel: "#rtc"}
default_receiver: oncall
rules:
  - name: upload
    match: {event: recording.upload_error}
`

// everythingValues turns every optional feature on.
func everythingValues() map[string]any {
	return map[string]any{
		"replicaCount":     3,
		"nameOverride":     "trtc-hook",
		"image":            map[string]any{"repository": "registry.example/hook", "digest": "sha256:" + strings.Repeat("ab", 32)},
		"imagePullSecrets": []any{map[string]any{"name": "regcred"}},
		"log":              map[string]any{"format": "text", "level": "debug"},
		"slack":            map[string]any{"apiURL": "https://slack-proxy.example/api"},
		"extraEnv":         []any{map[string]any{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}},
		"rules":            map[string]any{"content": customRules},
		"secrets": map[string]any{
			"callbackKey": "k3y", "slackBotToken": "xoxb-1", "slackWebhookURL": "https://hooks.slack.com/x",
			"slackSigningSecret": "s1gn", "adminToken": "adm1n",
			"extra": map[string]any{"TRTC_KEY_PRODUCTION": "pr0d"},
		},
		"redis": map[string]any{"bundled": map[string]any{
			"enabled":      true,
			"persistence":  map[string]any{"enabled": true, "size": "2Gi", "storageClass": "fast"},
			"extraArgs":    []any{"--maxmemory", "256mb"},
			"nodeSelector": map[string]any{"pool": "stateful"},
		}},
		"serviceAccount":             map[string]any{"annotations": map[string]any{"team": "rtc"}},
		"podAnnotations":             map[string]any{"team": "rtc"},
		"podLabels":                  map[string]any{"team": "rtc"},
		"priorityClassName":          "paging",
		"podAntiAffinity":            "hard",
		"podAntiAffinityTopologyKey": "topology.kubernetes.io/zone",
		"affinity": map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
			"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{"key": "pool", "operator": "In", "values": []any{"apps"}}}}}}}},
		"topologySpreadConstraints": []any{map[string]any{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
			"labelSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "trtc-hook"}}}},
		"nodeSelector":        map[string]any{"pool": "apps"},
		"tolerations":         []any{map[string]any{"key": "dedicated", "operator": "Equal", "value": "apps", "effect": "NoSchedule"}},
		"podDisruptionBudget": map[string]any{"minAvailable": 2},
		"extraVolumes":        []any{map[string]any{"name": "keys", "secret": map[string]any{"secretName": "trtc-keys"}}},
		"extraVolumeMounts":   []any{map[string]any{"name": "keys", "mountPath": "/run/secrets/trtc", "readOnly": true}},
		"service":             map[string]any{"annotations": map[string]any{"team": "rtc"}},
		"ingress": map[string]any{
			"enabled": true, "className": "nginx",
			"annotations": map[string]any{"cert-manager.io/cluster-issuer": "letsencrypt"},
			"hosts":       []any{"hook.example.com", "trtc.example.com"},
			"tls":         []any{map[string]any{"secretName": "hook-tls", "hosts": []any{"hook.example.com", "trtc.example.com"}}},
		},
		"httpRoute": map[string]any{
			"enabled":     true,
			"annotations": map[string]any{"team": "rtc"},
			"parentRefs":  []any{map[string]any{"name": "public", "namespace": "gateway-system", "sectionName": "https"}},
			"hostnames":   []any{"hook.example.com", "trtc.example.com"},
		},
		"serviceMonitor": map[string]any{
			"enabled": true, "additionalLabels": map[string]any{"release": "kube-prometheus-stack"},
			"relabelings":       []any{map[string]any{"action": "replace", "sourceLabels": []any{"__meta_kubernetes_pod_node_name"}, "targetLabel": "node"}},
			"metricRelabelings": []any{map[string]any{"action": "drop", "regex": "go_gc_.*", "sourceLabels": []any{"__name__"}}},
		},
		"prometheusRule":   map[string]any{"enabled": true, "additionalLabels": map[string]any{"release": "kube-prometheus-stack"}, "runbookBaseURL": "https://git.example/hook/docs/operations.md"},
		"grafanaDashboard": map[string]any{"enabled": true, "namespace": "monitoring"},
	}
}

// existingValues uses objects the team manages: a Secret and a ConfigMap.
func existingValues() map[string]any {
	return map[string]any{
		"secrets": map[string]any{"existingSecret": "hook-secrets"},
		"rules":   map[string]any{"existingConfigMap": "team-rules", "existingConfigMapKey": "hook.yaml"},
	}
}

func TestChartLints(t *testing.T) {
	for name, vals := range map[string]map[string]any{"minimal": minimalValues(), "everything": everythingValues(), "existing": existingValues()} {
		for _, kube := range []string{newestKube, oldestKube} {
			t.Run(name+"/kube"+kube, func(t *testing.T) { lintChart(t, vals, kube) })
		}
	}
}

func TestChartRefusesValuesThatCannotWork(t *testing.T) {
	tests := []struct {
		name string
		vals map[string]any
		want string
	}{
		{"defaults: no key, no Redis", nil, "secrets.callbackKey"},
		{"a key but no Redis", map[string]any{"secrets": map[string]any{"callbackKey": "k"}}, "redis.url"},
		{"two Redis", map[string]any{"secrets": map[string]any{"callbackKey": "k"},
			"redis": map[string]any{"url": "redis://r:6379/0", "bundled": map[string]any{"enabled": true}}}, "not both"},
		{"unknown anti-affinity", merge(minimalValues(), map[string]any{"podAntiAffinity": "sometimes"}), "podAntiAffinity"},
		{"an HTTPRoute attached to nothing", merge(minimalValues(), map[string]any{"httpRoute": map[string]any{"enabled": true}}), "parentRefs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render(t, tt.vals, newestKube)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("render error = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestChartMinimal(t *testing.T) {
	for _, kube := range []string{newestKube, oldestKube} {
		r, err := render(t, minimalValues(), kube)
		if err != nil {
			t.Fatal(err)
		}
		checkNamesAndLabels(t, r)
		checkHookPods(t, r, 2)
		if n := count(r, "networking.k8s.io/v1/Ingress") + count(r, "monitoring.coreos.com/v1/ServiceMonitor") +
			count(r, "monitoring.coreos.com/v1/PrometheusRule") + count(r, "apps/v1/StatefulSet") +
			count(r, "gateway.networking.k8s.io/v1/HTTPRoute"); n != 0 {
			t.Errorf("optional objects rendered by default: %d", n)
		}
		fullname := releaseName + "-hook"
		sec := one[corev1.Secret](t, r, "v1/Secret", fullname)
		for k, want := range map[string]string{"TRTC_CALLBACK_KEY": "k3y", "HOOK_REDIS_URL": "redis://:secret@redis.example:6379/0"} {
			if got := string(sec.Data[k]); got != want {
				t.Errorf("Secret %s = %q, want %q", k, got, want)
			}
		}
		if len(sec.Data) != 2 {
			t.Errorf("Secret holds %d keys, want only the two set", len(sec.Data))
		}
		example, err := os.ReadFile("../rules.example.yaml")
		if err != nil {
			t.Fatal(err)
		}
		cm := one[corev1.ConfigMap](t, r, "v1/ConfigMap", fullname+"-rules")
		if got := cm.Data["rules.yaml"]; got != strings.TrimRight(string(example), "\n") {
			t.Errorf("default rules ConfigMap is not rules.example.yaml:\n%s", got)
		}
		if !strings.Contains(r.notes, "WARNING: no Slack credentials") {
			t.Errorf("NOTES do not warn that pages go to the log:\n%s", r.notes)
		}
	}
}

func TestChartEverythingOn(t *testing.T) {
	r, err := render(t, everythingValues(), newestKube)
	if err != nil {
		t.Fatal(err)
	}
	checkNamesAndLabels(t, r)
	dep := checkHookPods(t, r, 3)
	fullname := releaseName + "-trtc-hook"
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]

	if want := "registry.example/hook@sha256:" + strings.Repeat("ab", 32); c.Image != want {
		t.Errorf("image = %s, want %s", c.Image, want)
	}
	hard := pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if len(hard) != 1 || hard[0].TopologyKey != "topology.kubernetes.io/zone" || !selects(t, hard[0].LabelSelector, dep.Spec.Template.Labels) {
		t.Errorf("hard anti-affinity over zones: %+v", hard)
	}
	if pod.Affinity.NodeAffinity == nil {
		t.Error("affinity value dropped when anti-affinity is on")
	}
	if env := envMap(c); env["SLACK_API_URL"] != "https://slack-proxy.example/api" || env["HTTPS_PROXY"] != "http://proxy:3128" ||
		env["HOOK_REDIS_URL"] != "redis://"+fullname+"-redis:6379/0" {
		t.Errorf("env: %v", env)
	}

	sec := one[corev1.Secret](t, r, "v1/Secret", fullname)
	for _, k := range []string{"TRTC_CALLBACK_KEY", "SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_SIGNING_SECRET", "HOOK_ADMIN_TOKEN", "TRTC_KEY_PRODUCTION"} {
		if len(sec.Data[k]) == 0 {
			t.Errorf("Secret lacks %s", k)
		}
	}
	if _, ok := sec.Data["HOOK_REDIS_URL"]; ok {
		t.Error("the bundled Redis URL is in the Secret; it is not secret and comes from env")
	}
	if cm := one[corev1.ConfigMap](t, r, "v1/ConfigMap", fullname+"-rules"); cm.Data["rules.yaml"] != strings.TrimRight(customRules, "\n") {
		t.Errorf("rules.content not in the ConfigMap:\n%s", cm.Data["rules.yaml"])
	}

	pdb := one[policyv1.PodDisruptionBudget](t, r, "policy/v1/PodDisruptionBudget", fullname)
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 2 || pdb.Spec.MaxUnavailable != nil {
		t.Errorf("PDB minAvailable: %+v", pdb.Spec)
	}

	svc := one[corev1.Service](t, r, "v1/Service", fullname)
	ing := one[networkingv1.Ingress](t, r, "networking.k8s.io/v1/Ingress", fullname)
	if len(ing.Spec.Rules) != 2 || len(ing.Spec.TLS) != 1 || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingress: %+v", ing.Spec)
	}
	for _, rule := range ing.Spec.Rules {
		var paths []string
		for _, p := range rule.HTTP.Paths {
			paths = append(paths, p.Path)
			if p.Backend.Service.Name != svc.Name || !hasPort(svc, p.Backend.Service.Port.Name) {
				t.Errorf("ingress %s%s routes to %s:%s, not to the Service", rule.Host, p.Path, p.Backend.Service.Name, p.Backend.Service.Port.Name)
			}
		}
		if strings.Join(paths, " ") != strings.Join(publicPaths(t), " ") {
			t.Errorf("ingress publishes %v; only the callback and Slack's button requests should be public", paths)
		}
	}
	checkHTTPRoute(t, r, svc, []string{"hook.example.com", "trtc.example.com"})

	sm := one[monitoringv1.ServiceMonitor](t, r, "monitoring.coreos.com/v1/ServiceMonitor", fullname)
	if !selects(t, &sm.Spec.Selector, svc.Labels) {
		t.Errorf("ServiceMonitor selector %v does not select the Service %v", sm.Spec.Selector, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 || !hasPort(svc, sm.Spec.Endpoints[0].Port) || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints: %+v", sm.Spec.Endpoints)
	}
	if job := svc.Labels[sm.Spec.JobLabel]; job != "trtc-hook" {
		t.Errorf("scraped job would be %q, want the chart's name trtc-hook (what the alerts select)", job)
	}
	if sm.Labels["release"] != "kube-prometheus-stack" || len(sm.Spec.Endpoints[0].RelabelConfigs) != 1 || len(sm.Spec.Endpoints[0].MetricRelabelConfigs) != 1 {
		t.Errorf("ServiceMonitor labels or relabelings dropped: %+v", sm)
	}

	pr := one[monitoringv1.PrometheusRule](t, r, "monitoring.coreos.com/v1/PrometheusRule", fullname)
	checkRenderedAlerts(t, pr, "trtc-hook", "https://git.example/hook/docs/operations.md")

	dash := one[corev1.ConfigMap](t, r, "v1/ConfigMap", fullname+"-dashboard")
	if dash.Namespace != "monitoring" || dash.Labels["grafana_dashboard"] != "1" {
		t.Errorf("dashboard ConfigMap: namespace %q labels %v", dash.Namespace, dash.Labels)
	}
	var inChart, inRepo any
	if err := json.Unmarshal([]byte(dash.Data["hook-dashboard.json"]), &inChart); err != nil {
		t.Fatalf("dashboard ConfigMap holds no JSON: %v", err)
	}
	readJSON(t, "grafana/hook-dashboard.json", &inRepo)
	if !jsonEqual(inChart, inRepo) {
		t.Error("the dashboard ConfigMap differs from grafana/hook-dashboard.json")
	}

	checkBundledRedis(t, r, fullname, dep)
	if !strings.Contains(r.notes, "https://hook.example.com/callback") {
		t.Errorf("NOTES do not give the callback URL:\n%s", r.notes)
	}
}

func TestChartWithExistingSecretAndConfigMap(t *testing.T) {
	r, err := render(t, existingValues(), newestKube)
	if err != nil {
		t.Fatal(err)
	}
	checkNamesAndLabels(t, r)
	dep := checkHookPods(t, r, 2)
	if count(r, "v1/Secret") != 0 {
		t.Error("a Secret was rendered although secrets.existingSecret is set")
	}
	if count(r, "v1/ConfigMap") != 0 {
		t.Error("a rules ConfigMap was rendered although rules.existingConfigMap is set")
	}
	if _, ok := dep.Spec.Template.Annotations["checksum/secret"]; ok {
		t.Error("checksum of a Secret the chart does not manage")
	}
	if _, ok := envMap(dep.Spec.Template.Spec.Containers[0])["HOOK_REDIS_URL"]; ok {
		t.Error("HOOK_REDIS_URL set on the pod; it should come from the existing Secret")
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.EnvFrom[0].SecretRef.Name != "hook-secrets" {
		t.Errorf("envFrom %s, want the existing Secret", c.EnvFrom[0].SecretRef.Name)
	}
	vol := volume(t, dep.Spec.Template.Spec, "rules")
	if vol.ConfigMap.Name != "team-rules" || vol.ConfigMap.Items[0].Key != "hook.yaml" {
		t.Errorf("rules volume: %+v", vol.ConfigMap)
	}
}
