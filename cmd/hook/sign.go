package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/verify"
)

// newSignCmd is `hook sign`: the Sign header value TRTC would send for a
// body, so a test callback can be sent with curl.
func newSignCmd(c *proc) *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "sign [FILE]",
		Short: "Print the Sign header value for a callback body (stdin if no FILE)",
		Long:  "Prints base64(HMAC-SHA256(KEY, body)), the Sign header TRTC sends, for the body in FILE or on stdin.",
		Example: `  printf %s "$body" | hook sign --key KEY
  hook sign --key KEY body.json`,
		Args: cli.AtMost(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var body []byte
			var err error
			if len(args) == 1 {
				body, err = os.ReadFile(args[0])
			} else {
				body, err = io.ReadAll(c.stdin)
			}
			if err != nil {
				return fmt.Errorf("read body: %w", err)
			}
			fmt.Fprintln(c.stdout, verify.Sign([]byte(key), body))
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "callback key to sign with")
	cli.FromEnv(cmd.Flags(), "key", "TRTC_CALLBACK_KEY")
	cli.Required(cmd, "key")
	return cmd
}
