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
	flagRE := regexp.MustCompile(`fs\.(?:String|Bool|Duration|Float64|Int)(?:Var\([^,]+,)?\(?\s*"([a-z-]+)"`)
	seen := 0
	for _, f := range settingsSources(t) {
		for _, m := range envRE.FindAllStringSubmatch(f.src, -1) {
			seen++
			if !strings.Contains(string(readme), "`"+m[1]+"`") {
				t.Errorf("%s reads $%s, which docs/operations.md does not document", f.name, m[1])
			}
		}
		if f.name != "../../internal/settings/serve.go" {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(f.src, -1) {
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

// envRE finds the environment variables the code reads: getenv("X"), or
// cli.FromEnv(..., "flag", "X").
var envRE = regexp.MustCompile(`(?:getenv\(|cli\.FromEnv\([^,]+, "[a-z-]+", )"([A-Z_]+)"\)`)

// sourceFile is a Go file's name (as the tests report it) and text.
type sourceFile struct{ name, src string }

// settingsSources is every non-test file that reads a setting: cmd/hook's,
// internal/settings's (the settings) and internal/adminclient's (the CLI's
// admin token).
func settingsSources(t *testing.T) []sourceFile {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	for _, pkg := range []string{"settings", "adminclient"} {
		more, _ := filepath.Glob("../../internal/" + pkg + "/*.go")
		files = append(files, more...)
	}
	var out []sourceFile
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sourceFile{f, string(src)})
	}
	return out
}
