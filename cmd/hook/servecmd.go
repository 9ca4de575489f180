package main

import (
	"github.com/spf13/cobra"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/settings"
)

// environmentAnnotation holds, on a command, the environment variables it
// reads that no flag stands for; help prints them after the flags.
const environmentAnnotation = "environment"

// helpTemplate is cobra's, with the command's environment section last.
const helpTemplate = `{{with (or .Long .Short)}}{{. | trimTrailingWhitespaces}}

{{end}}{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}{{with .Annotations}}{{with index . "environment"}}
{{.}}
{{end}}{{end}}`

// serveEnvironment lists the settings of hook serve that only the
// environment gives (secrets, and what is fixed for a deployment), in help.
const serveEnvironment = `Environment (settings without a flag):
  TRTC_CALLBACK_KEY         callback key for every app (default: a development key made up for the run)
  SLACK_BOT_TOKEN           Slack bot token: pages through the Web API (threads, updates, buttons)
  SLACK_WEBHOOK_URL         Slack incoming webhook, when there is no bot token
  SLACK_SIGNING_SECRET      Slack signing secret: buttons on pages
  SLACK_API_URL             Slack's API base URL (default: Slack's)
  HOOK_ADMIN_TOKEN          admin API token (hook silence, hook outbox); on the in-process
                            Redis a local one is made up and kept in the state directory
  HOOK_CONSUMER             outbox consumer name (default: the hostname)
  HOOK_PARTITIONS           partitions rooms are spread over (default 16; fixed for a deployment)
  HOOK_REDIS_WAIT_REPLICAS  replicas every callback's writes must reach before it is answered (default 0)
  HOOK_REDIS_BATCH          concurrent callbacks that share one Redis round trip (default 64)
  HOOK_PPROF_LISTEN         Go's profiler on its own, private, address (default: off)
  HOOK_TRTC_CONSOLE_URL     the TRTC console pages link to for the room's call quality
  TENCENTCLOUD_SECRET_ID    with TENCENTCLOUD_SECRET_KEY: what the client saw, added to pages`

// newServeCmd is `hook serve`, under the name use: "serve", or "hook" for
// the root command, which serves when no command is given.
func newServeCmd(c *proc, use string) *cobra.Command {
	var read func([]string, func(string) string) (settings.Serve, error)
	cmd := &cobra.Command{
		Use:   use,
		Short: "Run the callback server (the default command)",
		Long: `Runs the callback server and the page dispatcher until SIGTERM or SIGINT.

With no flags and no configuration it serves the embedded example rules on
:8080, keeps state in an in-process Redis (lost on exit), prints pages to
stdout, and makes up a callback key for the run, which it prints.`,
		Annotations: map[string]string{environmentAnnotation: serveEnvironment},
		Example:     `  hook serve --rules rules.yaml --redis redis://localhost:6379/0`,
		Args:        cli.NoArgs(""),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := read(args, c.getenv)
			if err != nil {
				return err
			}
			cfg.Self = c.self
			return cmdServe(cmd.Context(), cfg, c.getenv, c.stdout, c.stderr)
		},
	}
	read = settings.ServeFlags(cmd.Flags(), handler.DefaultReplayWindow)
	return cmd
}
