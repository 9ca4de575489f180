package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChartFilesAreCurrent: every file the chart embeds equals its source as
// the source is now, so editing rules.example.yaml, the alerts or the
// dashboard without regenerating fails here with the command to run.
func TestChartFilesAreCurrent(t *testing.T) {
	stale, err := staleCopies("..")
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("the chart's copies differ from their sources:\n  %s\nrun: %s", strings.Join(stale, "\n  "), command)
	}
}

// TestChartFilesEmbedsEveryChartFile: nothing sits in the chart's files/
// that the generator does not write, so no copy is kept by hand.
func TestChartFilesEmbedsEveryChartFile(t *testing.T) {
	entries, err := os.ReadDir("../helm/hook/files")
	if err != nil {
		t.Fatal(err)
	}
	generated := map[string]bool{}
	for _, c := range copies {
		generated[filepath.ToSlash(c.dst)] = true
	}
	for _, e := range entries {
		if p := "helm/hook/files/" + e.Name(); !generated[p] {
			t.Errorf("%s is not generated: add its source to copies in chartfiles/main.go", p)
		}
	}
}

// TestSyncWritesStaleCopies runs the generator on a scratch tree: a changed
// source and a missing copy are written, a current copy is left alone, and
// afterwards nothing is stale.
func TestSyncWritesStaleCopies(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "deploy")
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range copies {
		write(c.src, "source "+c.src)
		switch i {
		case 0: // current
			write(c.dst, "source "+c.src)
		case 1: // drifted
			write(c.dst, "an old copy")
		} // the rest: missing
	}
	stale, err := staleCopies(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != len(copies)-1 {
		t.Fatalf("stale = %v, want all but the first", stale)
	}
	wrote, err := sync(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrote) != len(copies)-1 {
		t.Errorf("wrote %v, want all but the first", wrote)
	}
	for _, c := range copies {
		b, err := os.ReadFile(filepath.Join(dir, c.dst))
		if err != nil || string(b) != "source "+c.src {
			t.Errorf("%s = %q, %v", c.dst, b, err)
		}
	}
	if stale, _ := staleCopies(dir); len(stale) != 0 {
		t.Errorf("still stale after sync: %v", stale)
	}
}
