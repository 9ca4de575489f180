package deploy

import (
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"sigs.k8s.io/yaml"
)

const (
	alertsFile  = "prometheus/hook-alerts.yaml"
	runbookBase = "https://github.com/hookdev/hook/blob/main/docs/operations.md"
)

// wantAlerts is what issue 13 asks hook to alert on about itself.
var wantAlerts = []string{
	"HookRulesReloadFailing", // rules reload failing
	"HookOutboxStuck",        // outbox oldest page older than N minutes
	"HookDeadLetters",        // dead letters appearing
	"HookCallbacksFailing",   // callback 5xx rate
	"HookCallbacksUnauthorized",
	"HookRedisErrors",
	"HookNoCallbacks",
	"HookReplicaDown",
	"HookDown",
}

// parseRules parses a rules file with Prometheus' own parser, which also
// parses every expression and every annotation template.
func parseRules(t *testing.T, name string, content []byte) *rulefmt.RuleGroups {
	t.Helper()
	groups, errs := rulefmt.Parse(content, false, model.LegacyValidation, promQL, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, err := range errs {
		t.Errorf("%s: %v", name, err)
	}
	if groups == nil {
		t.Fatalf("%s: no rule groups", name)
	}
	return groups
}

func TestAlertRules(t *testing.T) {
	content, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	groups := parseRules(t, alertsFile, content)
	var names []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: recording rule %q: this file is for alerts", g.Name, r.Record)
				continue
			}
			names = append(names, r.Alert)
			if sev := r.Labels["severity"]; sev != "critical" && sev != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", r.Alert, sev)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			if want := runbookBase + "#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !strings.Contains(r.Expr, `job="hook"`) {
				t.Errorf("%s: the expression does not select job=\"hook\": %s", r.Alert, r.Expr)
			}
		}
	}
	sort.Strings(names)
	want := append([]string(nil), wantAlerts...)
	sort.Strings(want)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("alerts %v, want %v", names, want)
	}
}

// TestAlertRulesUseHooksMetrics checks every metric and label the alerts
// select against what a running hook exports.
func TestAlertRulesUseHooksMetrics(t *testing.T) {
	exported := exportedMetrics(t)
	content, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range parseRules(t, alertsFile, content).Groups {
		for _, r := range g.Rules {
			_, problems := checkExpr(r.Expr, exported)
			for _, p := range problems {
				t.Errorf("%s: %v", r.Alert, p)
			}
		}
	}
}

// TestRunbook: docs/operations.md has one runbook entry per alert, under
// "### Runbook", each with the anchor its runbook_url points at.
func TestRunbook(t *testing.T) {
	readme, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	section := markdownSection(string(readme), "### Runbook")
	if section == "" {
		t.Fatal(`docs/operations.md has no "### Runbook" section`)
	}
	anchorRE := regexp.MustCompile(`<a id="([a-z0-9-]+)"></a>\*\*(\w+)\*\*`)
	var anchors []string
	for _, m := range anchorRE.FindAllStringSubmatch(section, -1) {
		if m[1] != strings.ToLower(m[2]) {
			t.Errorf("runbook entry %s has the anchor %q, want %q", m[2], m[1], strings.ToLower(m[2]))
		}
		anchors = append(anchors, m[2])
	}
	sort.Strings(anchors)
	want := append([]string(nil), wantAlerts...)
	sort.Strings(want)
	if strings.Join(anchors, " ") != strings.Join(want, " ") {
		t.Errorf("runbook entries %v, want one per alert: %v", anchors, want)
	}
}

// markdownSection returns the text under heading, up to the next heading of
// the same or a higher level.
func markdownSection(doc, heading string) string {
	start := strings.Index(doc, "\n"+heading+"\n")
	if start < 0 {
		return ""
	}
	body := doc[start+len(heading)+2:]
	level := strings.Count(strings.Fields(heading)[0], "#")
	for _, line := range strings.SplitAfter(body, "\n") {
		if h := strings.Fields(line); len(h) > 0 && strings.Trim(h[0], "#") == "" && len(h[0]) <= level {
			return body[:strings.Index(body, line)]
		}
	}
	return body
}

// checkRenderedAlerts checks the chart's PrometheusRule: valid for Prometheus,
// and the same alerts as the file, with the job and runbook links adapted.
func checkRenderedAlerts(t *testing.T, pr *monitoringv1.PrometheusRule, job, base string) {
	t.Helper()
	spec, err := yaml.Marshal(pr.Spec)
	if err != nil {
		t.Fatal(err)
	}
	got := parseRules(t, "PrometheusRule", spec)
	content, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	want := parseRules(t, alertsFile, content)
	if len(got.Groups) != len(want.Groups) {
		t.Fatalf("PrometheusRule has %d groups, the file %d", len(got.Groups), len(want.Groups))
	}
	for i, g := range want.Groups {
		if len(got.Groups[i].Rules) != len(g.Rules) {
			t.Fatalf("group %s: %d rules rendered, %d in the file", g.Name, len(got.Groups[i].Rules), len(g.Rules))
		}
		for j, w := range g.Rules {
			r := got.Groups[i].Rules[j]
			wantExpr := strings.ReplaceAll(w.Expr, `job="hook"`, `job="`+job+`"`)
			if r.Alert != w.Alert || r.Expr != wantExpr || r.For != w.For || r.Labels["severity"] != w.Labels["severity"] {
				t.Errorf("rendered %s differs from the file's:\n%+v\nwant %s with expr %s", w.Alert, r, w.Alert, wantExpr)
			}
			if want := strings.Replace(w.Annotations["runbook_url"], runbookBase, base, 1); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q", w.Alert, r.Annotations["runbook_url"], want)
			}
		}
	}
}
