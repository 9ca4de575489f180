package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const dashboardFile = "grafana/hook-dashboard.json"

// The parts of Grafana's dashboard model the tests read.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
			Datasource *dsRef `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID          int     `json:"id"`
	Type        string  `json:"type"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Datasource  *dsRef  `json:"datasource"`
	GridPos     gridPos `json:"gridPos"`
	Targets     []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource *dsRef `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gridPos struct{ X, Y, W, H int }

// grafanaVars stand in for the dashboard's variables and Grafana's own, so
// that queries can be parsed as the PromQL Grafana sends.
var grafanaVars = map[string]string{
	"__rate_interval": "2m",
	"__interval":      "30s",
	"__range":         "6h",
	"job":             "hook",
	"namespace":       ".*",
}

var grafanaVarRE = regexp.MustCompile(`\$\{?(\w+)\}?`)

func expandGrafanaVars(q string) (string, error) {
	var unknown []string
	out := grafanaVarRE.ReplaceAllStringFunc(q, func(m string) string {
		name := grafanaVarRE.FindStringSubmatch(m)[1]
		v, ok := grafanaVars[name]
		if !ok {
			unknown = append(unknown, m)
		}
		return v
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown variables %v", unknown)
	}
	return out, nil
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	readJSON(t, dashboardFile, &d)
	return d
}

// flatPanels lists every panel, those inside collapsed rows included.
func flatPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatPanels(p.Panels)...)
	}
	return out
}

func TestDashboardModel(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 30 {
		t.Errorf("uid %q, title %q, schemaVersion %d", d.UID, d.Title, d.SchemaVersion)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	for _, v := range []string{"datasource", "job", "namespace"} {
		if !vars[v] {
			t.Errorf("no $%s variable", v)
		}
	}
	ids := map[int]string{}
	var placed []panel
	for _, p := range flatPanels(d.Panels) {
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside Grafana's 24 columns", p.Title, g)
		}
		for _, q := range placed {
			if overlaps(p.GridPos, q.GridPos) {
				t.Errorf("panels %q and %q overlap", p.Title, q.Title)
			}
		}
		placed = append(placed, p)
		if p.Type == "row" {
			continue
		}
		if p.Description == "" {
			t.Errorf("panel %q: no description (say what it shows and what is normal)", p.Title)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want the $datasource variable", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q: no queries", p.Title)
		}
		for _, q := range p.Targets {
			if strings.TrimSpace(q.Expr) == "" {
				t.Errorf("panel %q query %s: empty", p.Title, q.RefID)
			}
		}
	}
}

func overlaps(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// TestDashboardQueriesUseHooksMetrics parses every query and variable with
// Prometheus' parser and checks its metrics and labels against a running
// hook; and every hook_* metric hook exports has a panel.
func TestDashboardQueriesUseHooksMetrics(t *testing.T) {
	exported := exportedMetrics(t)
	d := loadDashboard(t)
	shown := map[string]bool{}
	check := func(where, q string) {
		expr, err := expandGrafanaVars(q)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		used, problems := checkExpr(expr, exported)
		for _, p := range problems {
			t.Errorf("%s: %v\n  %s", where, p, q)
		}
		for _, m := range used {
			shown[m] = true
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				shown[strings.TrimSuffix(m, s)] = true
			}
		}
	}
	for _, p := range flatPanels(d.Panels) {
		for _, q := range p.Targets {
			check(fmt.Sprintf("panel %q query %s", p.Title, q.RefID), q.Expr)
		}
	}
	labelValuesRE := regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValuesRE.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable $%s: %q is not label_values(SELECTOR, LABEL)", v.Name, v.Definition)
			continue
		}
		check("variable $"+v.Name, m[1])
	}
	var missing []string
	for name := range exported {
		if strings.HasPrefix(name, "hook_") && !shown[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("hook exports metrics no panel shows: %v", missing)
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
