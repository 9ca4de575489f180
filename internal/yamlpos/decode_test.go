package yamlpos

import (
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// futureRule stands for keys added later (thresholds, grouping): a struct
// field with a yaml tag is all the strict decoder needs.
type futureRule struct {
	Name      string `yaml:"name"`
	Threshold struct {
		Count  int      `yaml:"count"`
		Within Duration `yaml:"within"`
	} `yaml:"threshold"`
	GroupBy []string `yaml:"group_by"`
}

func TestDecoderNewFieldsNeedOnlyATag(t *testing.T) {
	src := "name: storm\nthreshold:\n  count: many\n  withn: 5m\ngroup_by: app\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	d := NewDecoder()
	var r futureRule
	d.DecodeDocument(&root, &r)
	le := NewLoadError("f.yaml", []byte(src), d.Errs)
	want := []string{
		`f.yaml:3:10: count: expected a whole number, got "many"`,
		"f.yaml:4:3: unknown field `withn`, did you mean `within`?",
		`f.yaml:5:11: group_by: expected a list, got "app" (write [app] for a list of one)`,
	}
	if !slices.Equal(le.Errs, want) {
		t.Errorf("errors %q, want %q", le.Errs, want)
	}
	if r.Name != "storm" {
		t.Errorf("name %q", r.Name)
	}
	// Positions are known by path, and a missing field resolves to its parent.
	if p := d.Pos("threshold.within"); p != (Pos{3, 3}) {
		t.Errorf("pos(threshold.within) = %v, want the threshold mapping", p)
	}
	if p := d.Pos("threshold.count"); p != (Pos{3, 10}) {
		t.Errorf("pos(threshold.count) = %v", p)
	}
}
