package main

import (
	"testing"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/rules"
)

// exampleRules is the catalog and the embedded example rules, compiled as
// hook serve compiles them with no HOOK_RULES (every callback key "k"): what
// the tests that rehearse or serve the README's rules run.
func exampleRules(t testing.TB) (*catalog.Catalog, *rules.Ruleset) {
	t.Helper()
	cat, err := catalog.New()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := compileRules("", cat, func(string) string { return "k" })
	if err != nil {
		t.Fatal(err)
	}
	return cat, rs
}
