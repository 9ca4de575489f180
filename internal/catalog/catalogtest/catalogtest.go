// Package catalogtest gives tests the embedded event catalogue.
package catalogtest

import (
	"sync"
	"testing"

	"github.com/hookdev/hook/internal/catalog"
)

// shared is parsed once per test binary: the catalogue is read-only, and
// parsing it for each of hundreds of tests would only cost time.
var shared = sync.OnceValues(catalog.New)

// New returns the embedded event catalogue, failing the test if it does not
// parse. tb may be nil in a helper with no test at hand (it then panics
// instead): the catalogue is embedded, so it parses in every test or none.
func New(tb testing.TB) *catalog.Catalog {
	cat, err := shared()
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Helper()
		tb.Fatal(err)
	}
	return cat
}
