package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version describes this build from the module and VCS data Go embeds.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "hook (unknown build)"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	rev, dirty := "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " (" + rev + dirty + ")"
	}
	return "hook " + v + " " + bi.GoVersion
}

func cmdVersion(stdout io.Writer) error {
	_, err := fmt.Fprintln(stdout, version())
	return err
}
