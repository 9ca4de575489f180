package yamlpos

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "90s", "10m", "1h".
type Duration time.Duration

// DecodeNode reads a duration, with a hint for one written without a unit
// or in words.
func (d *Duration) DecodeNode(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!bool" {
		return fmt.Errorf("expected a duration like \"10m\", got %s", DescribeNode(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		hint := `use a unit: "30s", "10m", "1h"`
		if n.Tag == "!!int" {
			hint = fmt.Sprintf(`a bare number has no unit; write "%ss" or "%sm"`, n.Value, n.Value)
		} else if d, ok := spelledDuration(n.Value); ok {
			hint = fmt.Sprintf("write %q", d)
		}
		return fmt.Errorf("bad duration %q (%s)", n.Value, hint)
	}
	if v < 0 {
		return fmt.Errorf("bad duration %q: must not be negative", n.Value)
	}
	*d = Duration(v)
	return nil
}

// spelledDurationRE reads a duration written out in words: "30 seconds",
// "5 min", "2 hours".
var spelledDurationRE = regexp.MustCompile(`^\s*(\d+)\s*([a-zA-Z]+)\s*$`)

// spelledDuration is the Go duration for "30 seconds" ("30s"); ok is false
// when s is not a number and a unit word.
func spelledDuration(s string) (string, bool) {
	m := spelledDurationRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	units := map[string]string{"ms": "ms", "millisecond": "ms", "milliseconds": "ms",
		"sec": "s", "secs": "s", "second": "s", "seconds": "s",
		"min": "m", "mins": "m", "minute": "m", "minutes": "m",
		"hr": "h", "hrs": "h", "hour": "h", "hours": "h"}
	u, ok := units[strings.ToLower(m[2])]
	if !ok {
		return "", false
	}
	return m[1] + u, true
}
