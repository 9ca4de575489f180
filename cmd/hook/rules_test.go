package main

import (
	"context"
	"testing"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/rules"
)

// exampleRules is the catalog and the embedded example rules, compiled as
// hook serve compiles them with no HOOK_RULES (every callback key "k"): what
// the tests that rehearse or serve the README's rules run.
func exampleRules(t testing.TB) (*catalog.Catalog, *rules.Ruleset) {
	t.Helper()
	cat := catalogtest.New(t)
	rs, err := compileRules("", cat, func(string) string { return "k" })
	if err != nil {
		t.Fatal(err)
	}
	return cat, rs
}

// rehearseExample runs events through the example rules on a simulated
// clock (hook test --sequence's rehearsal), settling after the last.
func rehearseExample(t *testing.T, events []callback.Event) []rehearsal.Step {
	t.Helper()
	cat, rs := exampleRules(t)
	steps, err := rehearsal.Run(context.Background(), cat, rs, events, rehearsal.Settle)
	if err != nil {
		t.Fatal(err)
	}
	return steps
}
