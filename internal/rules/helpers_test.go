package rules

import (
	"sync"
	"testing"

	"github.com/hookdev/hook/internal/catalog"
)

var sharedCatalog = sync.OnceValues(catalog.New)

func testCatalog(tb testing.TB) *catalog.Catalog {
	cat, err := sharedCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}

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
	rs, err := Compile("test.yaml", []byte(receiversYAML+rulesYAML), testCatalog(tb), envMap(nil))
	if err != nil {
		tb.Fatalf("compile:\n%v", err)
	}
	return rs
}
