package engine

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
