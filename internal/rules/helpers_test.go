package rules

import (
	"testing"

	"github.com/hookdev/hook/internal/catalog"
)

func testCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	cat, err := catalog.New()
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}

// envMap is a getenv over a fixed map.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
