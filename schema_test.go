package hook_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
	"github.com/hookdev/hook/internal/yamlpos"
)

func loadSchema(t *testing.T) (map[string]any, *jsonschema.Schema) {
	t.Helper()
	raw, err := os.ReadFile("rules.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("rules.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("rules.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m, sch
}

// yamlInstance converts a YAML file to the JSON values the validator takes.
func yamlInstance(t *testing.T, path string) any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestSchemaValidatesExamples(t *testing.T) {
	_, sch := loadSchema(t)
	files, _ := filepath.Glob("examples/*.yaml")
	files = append(files, "rules.example.yaml")
	for _, f := range files {
		if err := sch.Validate(yamlInstance(t, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, bad := range []string{"unknown_field.yaml", "unknown_rule_field.yaml", "wrong_type.yaml", "bad_operator.yaml", "runbook.yaml", "routes.yaml", "severity_in_match.yaml", "misplaced.yaml"} {
		if err := sch.Validate(yamlInstance(t, filepath.Join("internal/rules/testdata/bad", bad))); err == nil {
			t.Errorf("%s passes the schema; want it rejected", bad)
		}
	}
}

// TestSchemaRunbook: the schema takes the runbook forms the decoder takes,
// and refuses what it refuses.
func TestSchemaRunbook(t *testing.T) {
	_, sch := loadSchema(t)
	tests := []struct {
		runbook string
		ok      bool
	}{
		{`https://wiki.example.com/runbooks/room-outage`, true},
		{`"Check the CDN first; then call the producer."`, true},
		{`{url: "https://trtc.io/document/40085", text: "Check the region's network first."}`, true},
		{`{text: "Call the anchor."}`, true},
		{`ftp://wiki.example.com/rb`, false},
		{`"https://wiki.example.com/a b"`, false},
		{`"` + strings.Repeat("x", 301) + `"`, false},
		{`"  "`, false},
		{`{}`, false},
		{`{url: wiki.example.com}`, false},
		{`{txt: "Check the CDN"}`, false},
		{`42`, false},
	}
	for _, tt := range tests {
		doc := "receivers: [{name: oncall, console: {}}]\nrules:\n  - name: r\n    receivers: [oncall]\n    runbook: " + tt.runbook + "\n"
		var v any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(v)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); (err == nil) != tt.ok {
			t.Errorf("runbook: %.60s: schema error %v, want ok=%v", tt.runbook, err, tt.ok)
		}
	}
}

func TestExampleReferencesSchema(t *testing.T) {
	raw, _ := os.ReadFile("rules.example.yaml")
	if !bytes.HasPrefix(raw, []byte("# yaml-language-server: $schema=./rules.schema.json\n")) {
		t.Error("rules.example.yaml's first line must reference ./rules.schema.json")
	}
}

// resolve follows a local $ref.
func resolve(root, s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
}

// customYAML are types with their own YAML form (checked by their own tests).
var customYAML = map[reflect.Type]bool{
	reflect.TypeFor[rules.MatchValue](): true,
	reflect.TypeFor[rules.Duration]():   true,
}

// TestSchemaInStepWithGoTypes walks the Go types the strict decoder uses and
// the schema side by side: a key in one and not the other fails, so a new
// field cannot ship without its schema entry (and description).
func TestSchemaInStepWithGoTypes(t *testing.T) {
	root, _ := loadSchema(t)
	var walk func(path string, typ reflect.Type, s map[string]any)
	walk = func(path string, typ reflect.Type, s map[string]any) {
		s = resolve(root, s)
		switch typ.Kind() {
		case reflect.Pointer:
			walk(path, typ.Elem(), s)
		case reflect.Slice:
			items, ok := s["items"].(map[string]any)
			if !ok {
				t.Errorf("%s: schema has no items for %s", path, typ)
				return
			}
			walk(path+"[]", typ.Elem(), items)
		case reflect.Struct:
			if customYAML[typ] {
				return
			}
			props, _ := s["properties"].(map[string]any)
			goKeys := yamlpos.YAMLKeys(typ)
			var schemaKeys []string
			for k := range props {
				schemaKeys = append(schemaKeys, k)
			}
			slices.Sort(schemaKeys)
			if !slices.Equal(goKeys, schemaKeys) {
				t.Errorf("%s (%s): Go keys %v, schema keys %v", path, typ, goKeys, schemaKeys)
			}
			if s["additionalProperties"] != false {
				t.Errorf("%s: schema must set additionalProperties: false, as the decoder is strict", path)
			}
			for _, f := range reflect.VisibleFields(typ) {
				name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if !f.IsExported() || name == "" || name == "-" {
					continue
				}
				if p, ok := props[name].(map[string]any); ok {
					if _, ok := p["description"]; !ok {
						t.Errorf("%s.%s: no description", path, name)
					}
					walk(path+"."+name, f.Type, p)
				}
			}
		}
	}
	walk("", reflect.TypeFor[rules.File](), root)

	// Match keys are a map in Go; the schema lists them.
	matchDef := resolve(root, root["$defs"].(map[string]any)["match"].(map[string]any))
	var keys []string
	for k := range matchDef["properties"].(map[string]any) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := match.MatchKeys(); !slices.Equal(keys, want) {
		t.Errorf("schema match keys %v, Go match keys %v", keys, want)
	}

	// So are a route's labels.
	labels := resolve(root, root["$defs"].(map[string]any)["routeMatch"].(map[string]any))
	keys = keys[:0]
	for k := range labels["properties"].(map[string]any) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := rules.RouteLabels(); !slices.Equal(keys, want) {
		t.Errorf("schema route labels %v, Go route labels %v", keys, want)
	}
}

// The schema takes a relative threshold's share as the decoder does: a
// percentage from 1% to 100%, never a bare number; of is room or app.
func TestSchemaThresholdShare(t *testing.T) {
	_, sch := loadSchema(t)
	for share, ok := range map[string]bool{
		`"50%"`: true, `"1%"`: true, `"100%"`: true, `"12.5%"`: true, `"33.33%"`: true,
		`50`: false, `0.5`: false, `"0%"`: false, `"0.5%"`: false, `"101%"`: false, `"100.5%"`: false, `"half"`: false,
	} {
		doc := `{"receivers": [{"name": "c", "console": {}}], "default_receiver": "c", "rules": [{"name": "r",
			"threshold": {"count": 3, "within": "1m", "share": ` + share + `, "of": "app", "per": "{{.App}}",
			"rearm": {"event": "room.enter"}}}]}`
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); (err == nil) != ok {
			t.Errorf("share %s: schema says %v, want valid %v", share, err, ok)
		}
	}
}
