package main

import (
	"os"
	"os/exec"
	"testing"
)

// requireToolsEnv makes a missing tool a failure, not a skip: .ci/run sets
// it, having installed every tool the tests use, so CI never skips them.
const requireToolsEnv = "HOOK_REQUIRE_TOOLS"

// needTool returns the path of the command name, or skips the test saying
// why it needs it (fails instead when requireToolsEnv is set).
func needTool(t *testing.T, name, why string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv(requireToolsEnv) != "" {
		t.Fatalf("%s not found on PATH and %s is set: %s", name, requireToolsEnv, why)
	}
	t.Skipf("%s not found on PATH: %s (install it, or set %s to make this a failure)", name, why, requireToolsEnv)
	return ""
}
