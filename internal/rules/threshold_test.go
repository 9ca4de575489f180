package rules

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestShareDecodes(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want Share
		err  string
	}{
		{`50%`, 5000, ""},
		{`"1%"`, 100, ""},
		{`100%`, 10000, ""},
		{`12.5%`, 1250, ""},
		{`33.33%`, 3333, ""},
		{`0.5%`, 0, "0.5% is not between 1% and 100%"},
		{`100.01%`, 0, "100.01% is not between 1% and 100%"},
		{`12.345%`, 0, `expected a percentage like "50%", got "12.345%"`},
		{`50`, 0, `a bare number is not a share: write it as a percentage, e.g. "50%"`},
		{`0.25`, 0, `e.g. "25%"`},
		{`500`, 0, `e.g. "50%"`},
		{`[50%]`, 0, `expected a percentage like "50%", got a list`},
		{`fifty`, 0, `expected a percentage like "50%", got "fifty"`},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tc.yaml), &n); err != nil {
			t.Fatal(err)
		}
		var s Share
		err := s.DecodeNode(n.Content[0])
		switch {
		case tc.err == "" && (err != nil || s != tc.want):
			t.Errorf("%s: %d, %v; want %d", tc.yaml, s, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: %v, want an error containing %q", tc.yaml, err, tc.err)
		}
	}
	if got := Share(1250).String(); got != "12.5%" {
		t.Errorf("Share(1250) = %q", got)
	}
}
