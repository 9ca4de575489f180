package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestRenderedRulesPassHookCheck: the rules file the chart mounts is one the
// real hook accepts (`hook check`, the same compiler the server uses).
func TestRenderedRulesPassHookCheck(t *testing.T) {
	bin := hookBinary(t)
	for name, tc := range map[string]struct {
		vals     map[string]any
		fullname string
	}{
		"default rules": {minimalValues(), releaseName + "-hook"},
		"rules.content": {everythingValues(), releaseName + "-trtc-hook"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := render(t, tc.vals, newestKube)
			if err != nil {
				t.Fatal(err)
			}
			cm := one[corev1.ConfigMap](t, r, "v1/ConfigMap", tc.fullname+"-rules")
			file := filepath.Join(t.TempDir(), "rules.yaml")
			if err := os.WriteFile(file, []byte(cm.Data["rules.yaml"]), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "check", "--rules", file)
			cmd.Env = []string{}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("hook check refuses the chart's rules: %v\n%s", err, out)
			}
		})
	}
}

// TestHookMetricsAllSeen lists the metrics hook's source declares that the
// test run never saw on /metrics: queries on them could not be checked.
// New metrics that need a new path exercised show up here.
func TestHookMetricsAllSeen(t *testing.T) {
	exported := exportedMetrics(t)
	declRE := regexp.MustCompile(`(?:Name:\s*|NewDesc\()\s*"(hook_[a-z_]+)"`)
	files, err := filepath.Glob("../internal/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, f := range files {
		if filepath.Ext(f) != ".go" || regexp.MustCompile(`_test\.go$`).MatchString(f) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range declRE.FindAllStringSubmatch(string(src), -1) {
			declared[m[1]] = true
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found only %d metric declarations in ../internal: the pattern has gone stale", len(declared))
	}
	var unseen []string
	for name := range declared {
		if _, ok := exported[name]; !ok {
			unseen = append(unseen, name)
		}
	}
	sort.Strings(unseen)
	if len(unseen) > 0 {
		t.Errorf("hook declares metrics its /metrics never showed in this run (exercise them in hook_test.go): %v", unseen)
	}
}
