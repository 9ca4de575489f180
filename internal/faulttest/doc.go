// Package faulttest is hook's fault suite: the built binary, run as real
// processes against real redis-server processes and a fake Slack, through
// the faults operators meet (Slack down for minutes, 429s, SIGKILL mid-send,
// Redis restarted from its AOF, Redis hung, two replicas, SIGTERM under
// load). Each test counts what it proves: callbacks accepted, pages
// delivered, dead-lettered, duplicated, lost.
//
// The tests need the fault build tag, so `go test ./...` stays fast:
//
//	go test -tags fault -count=1 ./internal/faulttest/
//
// .ci/run runs them after the unit tests. HOOK_FAULT_HANG (default 10s) sets
// how long the hung-Redis test keeps Redis stopped, HOOK_FAULT_SENDERS
// (default 4) how many callbacks it keeps in flight meanwhile.
package faulttest
