package deploy

import (
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkHookPods checks what every install's hook Deployment must have, and
// that the Service, PDB and rules ConfigMap fit it. It returns the Deployment.
func checkHookPods(t *testing.T, r rendered, replicas int32) *appsv1.Deployment {
	t.Helper()
	dep := one[appsv1.Deployment](t, r, "apps/v1/Deployment", "")
	spec := dep.Spec.Template.Spec
	podLabels := dep.Spec.Template.Labels
	if *dep.Spec.Replicas != replicas {
		t.Errorf("replicas = %d, want %d", *dep.Spec.Replicas, replicas)
	}
	if !selects(t, dep.Spec.Selector, podLabels) {
		t.Errorf("Deployment selector %v does not select its pods %v", dep.Spec.Selector, podLabels)
	}
	if ru := dep.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("a rollout may drop below the replica count: %+v", dep.Spec.Strategy)
	}
	if a := spec.Affinity; a == nil || a.PodAntiAffinity == nil {
		t.Error("no pod anti-affinity")
	} else {
		for _, term := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if !selects(t, term.PodAffinityTerm.LabelSelector, podLabels) {
				t.Errorf("anti-affinity does not select hook's pods: %v", term.PodAffinityTerm.LabelSelector)
			}
		}
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want hook alone", len(spec.Containers))
	}
	c := spec.Containers[0]

	// The image's non-root user, nothing writable, nothing to escalate.
	psc, sc := spec.SecurityContext, c.SecurityContext
	if psc == nil || sc == nil || !*psc.RunAsNonRoot || *psc.RunAsUser != 65532 || !*sc.ReadOnlyRootFilesystem ||
		*sc.AllowPrivilegeEscalation || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("security context: pod %+v container %+v", psc, sc)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("the pods get a Kubernetes API token they never use")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources: %+v", c.Resources)
	}

	// Probes: readiness on /readyz (it waits up to 2 s for Redis), liveness on /healthz.
	port := containerPort(t, c, "http")
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.String() != "http" || p.TimeoutSeconds <= 2 {
		t.Errorf("readiness probe must GET /readyz with a timeout above its 2 s Redis bound: %+v", p)
	}
	if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.TimeoutSeconds < 1 {
		t.Errorf("liveness probe must GET /healthz: %+v", p)
	}
	env := envMap(c)
	if env["HOOK_LISTEN"] != ":"+itoa(port) {
		t.Errorf("HOOK_LISTEN = %q, container port %d", env["HOOK_LISTEN"], port)
	}

	// HOOK_CONSUMER: the pod's own name, from the downward API.
	var consumer *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "HOOK_CONSUMER" {
			consumer = &c.Env[i]
		}
	}
	if consumer == nil || consumer.ValueFrom == nil || consumer.ValueFrom.FieldRef == nil || consumer.ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("HOOK_CONSUMER must be the pod name (downward API): %+v", consumer)
	}

	// Shutdown: the grace period covers hook's shutdown timeout and a Slack send.
	shutdown, err := time.ParseDuration(env["HOOK_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Errorf("HOOK_SHUTDOWN_TIMEOUT: %v", err)
	}
	if grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second; grace <= shutdown+10*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v does not cover the shutdown timeout %v plus a 10 s Slack send", grace, shutdown)
	}

	// Rules: a ConfigMap mounted as a directory (no subPath), HOOK_RULES inside it.
	var mount *corev1.VolumeMount
	for i := range c.VolumeMounts {
		if strings.HasPrefix(env["HOOK_RULES"], c.VolumeMounts[i].MountPath+"/") {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Fatalf("HOOK_RULES=%s is in no mounted volume", env["HOOK_RULES"])
	}
	if mount.SubPath != "" || mount.SubPathExpr != "" {
		t.Error("the rules are mounted with subPath: ConfigMap updates would never reach hook")
	}
	vol := volume(t, spec, mount.Name)
	if vol.ConfigMap == nil {
		t.Fatalf("the rules volume is not a ConfigMap: %+v", vol)
	}
	if len(vol.ConfigMap.Items) != 1 || vol.ConfigMap.Items[0].Path != path.Base(env["HOOK_RULES"]) {
		t.Errorf("the ConfigMap's key is not projected to %s: %+v", path.Base(env["HOOK_RULES"]), vol.ConfigMap.Items)
	}
	if cm, ok := find[corev1.ConfigMap](r, "v1/ConfigMap", vol.ConfigMap.Name); ok {
		if _, ok := cm.Data[vol.ConfigMap.Items[0].Key]; !ok {
			t.Errorf("ConfigMap %s has no key %s", cm.Name, vol.ConfigMap.Items[0].Key)
		}
	}

	// Credentials: every key of one Secret, the chart's or the team's.
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil {
		t.Fatalf("envFrom: %+v", c.EnvFrom)
	}
	if count(r, "v1/Secret") > 0 {
		one[corev1.Secret](t, r, "v1/Secret", c.EnvFrom[0].SecretRef.Name)
		if dep.Spec.Template.Annotations["checksum/secret"] == "" {
			t.Error("no checksum/secret annotation: a changed Secret would not restart the pods")
		}
	}

	// The Service, the PDB and the helm test reach these pods.
	svc := one[corev1.Service](t, r, "v1/Service", dep.Name)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(podLabels)) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, podLabels)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("Service ports: %+v", svc.Spec.Ports)
	}
	pdb := one[policyv1.PodDisruptionBudget](t, r, "policy/v1/PodDisruptionBudget", dep.Name)
	if !selects(t, pdb.Spec.Selector, podLabels) {
		t.Errorf("PDB selector %v does not select the pods", pdb.Spec.Selector)
	}
	sa := one[corev1.ServiceAccount](t, r, "v1/ServiceAccount", spec.ServiceAccountName)
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Error("ServiceAccount mounts an API token")
	}
	test := one[corev1.Pod](t, r, "v1/Pod", dep.Name+"-test")
	if args := strings.Join(test.Spec.Containers[0].Args, " "); !strings.Contains(args, "http://"+svc.Name+":"+itoa(svc.Spec.Ports[0].Port)+"/readyz") {
		t.Errorf("helm test does not probe the Service's /readyz: %s", args)
	}
	if labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(test.Labels)) {
		t.Error("the Service selects the helm test pod")
	}
	return dep
}

func checkBundledRedis(t *testing.T, r rendered, fullname string, dep *appsv1.Deployment) {
	t.Helper()
	name := fullname + "-redis"
	sts := one[appsv1.StatefulSet](t, r, "apps/v1/StatefulSet", name)
	svc := one[corev1.Service](t, r, "v1/Service", name)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(sts.Spec.Template.Labels)) {
		t.Error("the Redis Service does not select the Redis pod")
	}
	if labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Error("the Redis Service selects hook's pods")
	}
	hookSvc := one[corev1.Service](t, r, "v1/Service", fullname)
	if labels.SelectorFromSet(hookSvc.Spec.Selector).Matches(labels.Set(sts.Spec.Template.Labels)) {
		t.Error("hook's Service selects the Redis pod")
	}
	if svc.Spec.Ports[0].Port != 6379 {
		t.Errorf("Redis port %d", svc.Spec.Ports[0].Port)
	}
	args := strings.Join(sts.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.Contains(args, "--appendonly yes") || !strings.Contains(args, "--maxmemory 256mb") {
		t.Errorf("redis-server args: %s", args)
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 || *sts.Spec.VolumeClaimTemplates[0].Spec.StorageClassName != "fast" ||
		sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String() != "2Gi" {
		t.Errorf("persistence: %+v", sts.Spec.VolumeClaimTemplates)
	}
	sc := sts.Spec.Template.Spec.Containers[0].SecurityContext
	if !*sts.Spec.Template.Spec.SecurityContext.RunAsNonRoot || !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation {
		t.Errorf("Redis security context: %+v", sc)
	}
	np := one[networkingv1.NetworkPolicy](t, r, "networking.k8s.io/v1/NetworkPolicy", name)
	if !selects(t, &np.Spec.PodSelector, sts.Spec.Template.Labels) {
		t.Error("the NetworkPolicy does not cover the Redis pod")
	}
	if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 1 || !selects(t, np.Spec.Ingress[0].From[0].PodSelector, dep.Spec.Template.Labels) {
		t.Errorf("the NetworkPolicy does not admit hook's pods: %+v", np.Spec.Ingress)
	}
}

func selects(t *testing.T, sel *metav1.LabelSelector, set map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("label selector %v: %v", sel, err)
		return false
	}
	return !s.Empty() && s.Matches(labels.Set(set))
}

func envMap(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

func containerPort(t *testing.T, c corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port %q", c.Name, name)
	return 0
}

func hasPort(svc *corev1.Service, name string) bool {
	for _, p := range svc.Spec.Ports {
		if p.Name == name {
			return true
		}
	}
	return false
}

func volume(t *testing.T, spec corev1.PodSpec, name string) corev1.Volume {
	t.Helper()
	for _, v := range spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %q", name)
	return corev1.Volume{}
}

// find returns the object of kind named name, if rendered.
func find[T any](r rendered, kind, name string) (*T, bool) {
	for _, o := range r.objects {
		if o.kind == kind && o.meta.Name == name {
			return o.value.(*T), true
		}
	}
	return nil, false
}

func itoa[N int | int32](n N) string { return strconv.Itoa(int(n)) }

func merge(base, over map[string]any) map[string]any {
	for k, v := range over {
		base[k] = v
	}
	return base
}
