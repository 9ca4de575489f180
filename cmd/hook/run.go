package main

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
