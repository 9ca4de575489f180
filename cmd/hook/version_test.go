package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormatVersion(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "hook (unknown build)"},
		{"released module", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, true, "hook v1.2.3 go1.26.8"},
		{"git checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs", "git", "vcs.revision", "0123abcd", "vcs.time", "2026-11-27T03:59:11Z", "vcs.modified", "false")},
			true, "hook devel (0123abcd, 2026-11-27T03:59:11Z) go1.26.8"},
		{"dirty checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.3.0-0.20261127035911-0123abcd"},
			Settings: vcs("vcs.revision", "0123abcd", "vcs.modified", "true")},
			true, "hook v1.3.0-0.20261127035911-0123abcd (0123abcd+dirty) go1.26.8"},
		{"no module version", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: ""},
			Settings: vcs("vcs.revision", "fromdocker")}, true, "hook devel (fromdocker) go1.26.8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatVersion(tc.bi, tc.ok); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVersionCommandAndFlag(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{arg}, func(string) string { return "" }, strings.NewReader(""), &out, &out); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if !strings.HasPrefix(out.String(), "hook ") || !strings.Contains(out.String(), "go1.") {
			t.Errorf("%s printed %q", arg, out.String())
		}
	}
}
