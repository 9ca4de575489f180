package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/cli"
)

// newCatalogCmd is `hook catalog`. It builds its own catalogue: the command
// is a one-shot lookup and needs nothing from the server.
func newCatalogCmd(c *proc) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog TABLE ID [P1] [P2]",
		Short: "Decode a TRTC id, or list a table of the catalogue",
		Long: `Names a TRTC number with TRTC's own words.

  hook catalog TABLE ID [P1] [P2]   decode an id (P1 and P2 default to -1, "not used")
  hook catalog callback EVENT_TYPE  name a callback event type and the codes it carries
  hook catalog list [TABLE]         list every entry (all tables when TABLE is omitted)

Tables: sdk, webrtc, experience, dismissal, realtime, callback.
Exit status: 0 decoded, 1 unknown id, 2 bad usage.`,
		Example: `  hook catalog sdk 4013 12 1
  hook catalog callback 104 --json
  hook catalog list experience`,
		// Parameters may be negative ("-1"), which a flag parser takes for
		// flags: the arguments are read here (catalogArgs).
		DisableFlagParsing: true,
		ValidArgs:          []string{"list", "sdk", "webrtc", "experience", "dismissal", "realtime", "callback"},
		RunE: func(cmd *cobra.Command, args []string) error {
			positional, asJSON, help, err := catalogArgs(args)
			if err != nil {
				return err
			}
			if help || len(positional) == 1 && positional[0] == "help" { // `hook catalog help`, as before cobra
				return cmd.Help()
			}
			return catalogLookup(positional, asJSON, c.stdout)
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	return cmd
}

// catalogArgs splits args into positional arguments (negative numbers
// included) and the flags --json and --help.
func catalogArgs(args []string) (positional []string, asJSON, help bool, err error) {
	for i, a := range args {
		switch {
		case a == "--":
			return append(positional, args[i+1:]...), asJSON, help, nil
		case a == "--json" || a == "-json":
			asJSON = true
		case a == "-h" || a == "--help" || a == "-help":
			help = true
		case strings.HasPrefix(a, "-") && len(a) > 1 && (a[1] < '0' || a[1] > '9'):
			return nil, false, false, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook catalog: unknown flag: %s", a)}
		default:
			positional = append(positional, a)
		}
	}
	return positional, asJSON, help, nil
}

// catalogLookup runs the lookup positional asks for; the catalogue's
// answers that are not a decoding (an unknown id, a bad usage) exit 1 or 2.
func catalogLookup(positional []string, asJSON bool, stdout io.Writer) error {
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	err = cat.Lookup(positional, asJSON, stdout)
	var le *catalog.LookupError
	if errors.As(err, &le) {
		code := 1
		if le.Usage {
			code = 2
		}
		return cli.Exit{Code: code, Msg: "hook catalog: " + le.Msg}
	}
	return err
}
