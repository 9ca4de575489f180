package main

// exitError carries a process exit status and an optional message for main to
// print. Commands return it when the outcome is an answer ("invalid",
// "unknown id") rather than a failure of hook itself. Status 2 is a usage
// error: usage is then the command's usage, printed after the message
// (runCLI fills it in).
type exitError struct {
	code  int
	msg   string
	usage string
}

func (e exitError) Error() string { return e.msg }

// stoppedMessage is hook serve's last log line: what became of the pages not
// yet delivered. With the in-process Redis (no HOOK_REDIS_URL) the outbox
// is gone with the process.
func stoppedMessage(redisURL string) string {
	if redisURL == "" {
		return "stopped; pages not yet delivered are lost with the in-process Redis (set HOOK_REDIS_URL to keep them)"
	}
	return "stopped; undelivered pages stay in the outbox"
}

// env is how commands read the process environment; tests pass a map lookup.
type env func(string) string
