package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/rules"
)

// newCheckCmd is `hook check`: it validates a rules file like a compiler:
// every error at once, as file:line:col, and exit 1; or a one-line summary
// and exit 0.
func newCheckCmd(c *proc) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate a rules file; every error as file:line:col",
		Long: `Validates a rules file: every error at once, as file:line:col, and exit 1;
or a one-line summary and exit 0. Without --rules it checks the embedded
rules.example.yaml. Key variables the file names need not be set here.`,
		Example: "  hook check --rules rules.yaml",
		Args:    cli.NoArgs("use --rules FILE"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return check(path, c.getenv, c.stdout, c.stderr)
		},
	}
	cmd.Flags().StringVar(&path, "rules", "", "rules file to check; without one, the embedded rules.example.yaml")
	cli.FromEnv(cmd.Flags(), "rules", "HOOK_RULES")
	return cmd
}

func check(path string, getenv env, stdout, stderr io.Writer) error {
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("load catalogue: %w", err)
	}
	// Key variables are the deployment's business, not the file's: a CI job
	// checking rules has no production secrets. Missing ones are noted, not errors.
	var missing []string
	lenient := func(k string) string {
		if v := getenv(k); v != "" || k == rules.AllAppsKeyEnv {
			return v
		}
		missing = append(missing, k)
		return "unset-in-hook-check"
	}
	rs, err := compileRules(path, cat, lenient)
	if err != nil {
		var le *rules.LoadError
		if errors.As(err, &le) {
			return cli.Exit{Code: 1, Msg: le.Annotated()}
		}
		return cli.Exit{Code: 1, Msg: "hook check: " + err.Error()}
	}
	for _, line := range rs.RouteTable() {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "%s: %d rules, %d receivers, %d apps: OK\n", rs.Source(), rs.Len(), rs.Receivers(), rs.Apps())
	// Warnings are what works but is probably not meant (an app without a
	// scene): said, never failed on.
	for _, w := range rs.Warnings() {
		fmt.Fprintln(stderr, w)
	}
	for _, k := range missing {
		fmt.Fprintf(stderr, "note: %s is not set here; the server will need it for the app key that names it\n", k)
	}
	if keyless := rs.KeylessApps(); len(keyless) > 0 && getenv(rules.AllAppsKeyEnv) == "" {
		fmt.Fprintf(stderr, "note: %s is not set here; the server will need it for app(s) %s, listed without a callback_key "+
			"(with no key set at all, hook serve invents a development key for one run)\n", rules.AllAppsKeyEnv, strings.Join(keyless, ", "))
	}
	return nil
}

// compileRules loads path, or the embedded example when path is empty.
func compileRules(path string, cat *catalog.Catalog, getenv env) (*rules.Ruleset, error) {
	if path == "" {
		return rules.Compile(hook.ExampleRulesName, hook.ExampleRules, cat, getenv)
	}
	return rules.Load(path, cat, getenv)
}
