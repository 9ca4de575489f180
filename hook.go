// Package hook holds what the hook binary embeds from the repository root:
// the example rules, which `go run ./cmd/hook` serves when no rules file is given.
package hook

import _ "embed"

// ExampleRules is rules.example.yaml as shipped.
//
//go:embed rules.example.yaml
var ExampleRules []byte

// ExampleRulesName is the name error messages and logs use for ExampleRules.
const ExampleRulesName = "rules.example.yaml"
