// Package loadgen sends signed callbacks as fast as a fixed number of
// connections allow and reports throughput, latency percentiles and every
// answer that was not 200. Two engines: wrk (an efficient C load generator,
// driven by a Lua script cycling through the pre-signed requests) when it is
// installed, else an in-process Go generator.
package loadgen

import (
	"context"
	"time"

	"github.com/hookdev/hook/bench/workload"
)

// Target is where to send and how.
type Target struct {
	URL   string // e.g. http://127.0.0.1:8080/callback
	AppID string // the SdkAppId header
}

// Load is how much to send.
type Load struct {
	Threads int // wrk threads (the Go engine uses one goroutine per connection)
	Conns   int
	// Duration bounds the run. With Count set it is only a safety limit.
	Duration time.Duration
	// Count, when positive, stops the run after about this many requests
	// (wrk may overshoot by up to one request per connection).
	Count int
}

// Result is what one run measured.
type Result struct {
	Requests int
	Elapsed  time.Duration
	P50, P99 time.Duration
	// Non200 counts answers other than 200 (wrk counts non-2xx, and hook
	// answers no other 2xx); Errors counts connection errors and timeouts.
	Non200 int
	Errors int
	// Failures holds a few of the non-200 answers, when the engine sees
	// them (the Go engine does; wrk only counts).
	Failures []string
	// ExternalCPU is the CPU time, in seconds, of a load generator that runs
	// as a process of its own (wrk); 0 for the in-process Go engine.
	ExternalCPU float64
}

// RPS is requests per second over the run.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Engine runs a load against a target, cycling through reqs.
type Engine interface {
	Name() string
	Run(ctx context.Context, t Target, l Load, reqs []workload.Request) (Result, error)
}
