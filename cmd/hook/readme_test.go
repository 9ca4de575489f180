package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEDocumentsEverySetting keeps the settings table of
// docs/operations.md honest: every environment variable and serve flag the
// code reads appears in it.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	envRE := regexp.MustCompile(`(?:getenv\(|cli\.FromEnv\([^,]+, "[a-z-]+", )"([A-Z_]+)"\)`)
	flagRE := regexp.MustCompile(`fs\.(?:String|Bool|Duration|Float64|Int)(?:Var\([^,]+,)?\(?\s*"([a-z-]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, pkg := range []string{"config", "adminclient"} { // the settings, and the CLI's admin token
		more, _ := filepath.Glob("../../internal/" + pkg + "/*.go")
		files = append(files, more...)
	}
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envRE.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !strings.Contains(string(readme), "`"+m[1]+"`") {
				t.Errorf("%s reads $%s, which docs/operations.md does not document", f, m[1])
			}
		}
		if f != "../../internal/config/serve.go" {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !strings.Contains(string(readme), "`--"+m[1]+"`") {
				t.Errorf("hook serve --%s is not in the settings table of docs/operations.md", m[1])
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d settings in the source: the patterns have gone stale", seen)
	}
}
