package main

import "io"

// cmdCatalog implements "hook catalog". Placeholder until the catalogue lands.
func cmdCatalog(args []string, stdout, stderr io.Writer) error {
	return exitError{code: 1, msg: "hook catalog: not built yet"}
}
