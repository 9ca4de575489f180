package rules

import (
	"testing"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

// envMap is a getenv over a fixed map.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const receiversYAML = `
receivers:
  - name: oncall
    slack: {channel: "#oncall", mentions: {critical: ["<!here>"]}}
  - name: console
    console: {}
default_receiver: oncall
`

func mustCompile(tb testing.TB, rulesYAML string) *Ruleset {
	tb.Helper()
	rs, err := Compile("test.yaml", []byte(receiversYAML+rulesYAML), catalogtest.New(tb), envMap(nil))
	if err != nil {
		tb.Fatalf("compile:\n%v", err)
	}
	return rs
}
