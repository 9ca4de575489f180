package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/cli"
)

// linkedRevision is the VCS revision for builds without the repository at hand
// (the Docker build excludes .git): the Dockerfile sets it with
// -ldflags "-X main.linkedRevision=...". The linker writes it; nothing else does.
var linkedRevision string

// version describes this build from the module and VCS data Go embeds.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if ok && linkedRevision != "" {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: "vcs.revision", Value: linkedRevision})
	}
	return formatVersion(bi, ok)
}

// formatVersion is version's logic on given build info, so tests can pass
// any: "hook v1.2.3 (abc123+dirty, 2026-01-02T03:04:05Z) go1.26".
func formatVersion(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "hook (unknown build)"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	rev, at, dirty := "", "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if rev == "" {
				rev = s.Value
			}
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " (" + rev + dirty
		if at != "" {
			v += ", " + at
		}
		v += ")"
	}
	return "hook " + v + " " + bi.GoVersion
}

// newVersionCmd is `hook version` (also `hook --version`).
func newVersionCmd(c *proc) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version: module, VCS revision and Go version of the build",
		Args:  cli.NoArgs(""),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(c.stdout, version())
			return err
		},
	}
}
