// Command chartfiles copies into the Helm chart the files it embeds, from
// their one source elsewhere in the repository. A chart cannot read files
// outside its own directory (.Files.Get sees only the chart), so the chart
// carries copies under helm/hook/files; this program is the only thing that
// writes them, and its test fails, naming this command, when one has drifted.
//
// From deploy/:
//
//	go generate         # or: go run ./chartfiles
//	go run ./chartfiles -check   # exit 1 and list the stale copies
//
// Paths are relative to deploy/; -dir names another deploy/ directory.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// copies maps each file the chart embeds to its one source. Add a file here
// (and run the command) rather than copying it by hand.
var copies = []struct{ src, dst string }{
	{"../rules.example.yaml", "helm/hook/files/rules.example.yaml"},
	{"prometheus/hook-alerts.yaml", "helm/hook/files/hook-alerts.yaml"},
	{"grafana/hook-dashboard.json", "helm/hook/files/hook-dashboard.json"},
}

// command is what to run when a copy is stale.
const command = "cd deploy && go generate (or: go run ./chartfiles)"

func main() {
	dir := flag.String("dir", ".", "the deploy/ directory")
	check := flag.Bool("check", false, "write nothing; exit 1 if a copy differs from its source")
	flag.Parse()
	var err error
	if *check {
		var stale []string
		if stale, err = staleCopies(*dir); err == nil && len(stale) > 0 {
			for _, s := range stale {
				fmt.Fprintln(os.Stderr, "stale:", s)
			}
			fmt.Fprintln(os.Stderr, "run:", command)
			os.Exit(1)
		}
	} else {
		var wrote []string
		wrote, err = sync(*dir)
		for _, w := range wrote {
			fmt.Println("wrote", w)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chartfiles:", err)
		os.Exit(1)
	}
}

// staleCopies lists the copies under dir that differ from their source
// (or are missing), as "DST (from SRC)".
func staleCopies(dir string) ([]string, error) {
	var stale []string
	for _, c := range copies {
		src, err := os.ReadFile(filepath.Join(dir, c.src))
		if err != nil {
			return nil, err
		}
		dst, err := os.ReadFile(filepath.Join(dir, c.dst))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err != nil || !bytes.Equal(src, dst) {
			stale = append(stale, c.dst+" (from "+c.src+")")
		}
	}
	return stale, nil
}

// sync writes every stale copy under dir and returns the ones it wrote.
func sync(dir string) ([]string, error) {
	var wrote []string
	for _, c := range copies {
		src, err := os.ReadFile(filepath.Join(dir, c.src))
		if err != nil {
			return wrote, err
		}
		dstPath := filepath.Join(dir, c.dst)
		if dst, err := os.ReadFile(dstPath); err == nil && bytes.Equal(src, dst) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dstPath), 0o755); err != nil {
			return wrote, err
		}
		if err := os.WriteFile(dstPath, src, 0o644); err != nil {
			return wrote, err
		}
		wrote = append(wrote, c.dst)
	}
	return wrote, nil
}
