package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hookdev/hook/internal/verify"
)

// cmdSign prints the Sign header value TRTC would send for a body, so a test
// callback can be sent with curl.
func cmdSign(args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hook sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", getenv("TRTC_CALLBACK_KEY"), "callback key (default $TRTC_CALLBACK_KEY)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: hook sign --key KEY [FILE]\n\nPrints base64(HMAC-SHA256(KEY, body)) for the body in FILE, or stdin.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(flagsFirst(fs, args)); err != nil {
		return flagError(err)
	}
	if *key == "" {
		return exitError{code: 2, msg: "hook sign: --key is required (or set TRTC_CALLBACK_KEY)"}
	}
	if fs.NArg() > 1 {
		return exitError{code: 2, msg: "hook sign: at most one FILE"}
	}
	var body []byte
	var err error
	if fs.NArg() == 1 {
		body, err = os.ReadFile(fs.Arg(0))
	} else {
		body, err = io.ReadAll(stdin)
	}
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	fmt.Fprintln(stdout, verify.Sign([]byte(*key), body))
	return nil
}
