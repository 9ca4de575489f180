package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/cli"
)

// newHealthCmd is `hook health`: it probes a running hook's health
// endpoint, exit 0 iff it answers 200. It is the container HEALTHCHECK,
// since the distroless image has no curl.
func newHealthCmd(c *proc) *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:     "health",
		Short:   "Exit 0 iff a running hook answers 200 (the container health check)",
		Long:    "Probes a running hook's /healthz (or /readyz): exit 0 and print the answer iff it is 200, else exit 1.",
		Example: `  hook health --url http://127.0.0.1:8080/readyz`,
		Args:    cli.NoArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return probe(cmd.Context(), url, timeout, c.stdout)
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:8080/healthz", "the endpoint to probe (/healthz or /readyz)")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

func probe(ctx context.Context, url string, timeout time.Duration, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return cli.Exit{Code: 2, Msg: fmt.Sprintf("hook health: bad --url: %v", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return cli.Exit{Code: 1, Msg: fmt.Sprintf("hook health: %v", err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return cli.Exit{Code: 1, Msg: fmt.Sprintf("hook health: %s answered %d: %s", url, resp.StatusCode, body)}
	}
	fmt.Fprintf(stdout, "%s\n", body)
	return nil
}
