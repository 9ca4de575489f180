package rules

import (
	"time"
)

// Flood is delivery.flood: flood control per channel. When more pages wait
// for one channel than threshold, they are summarised in one digest message,
// refreshed every interval, instead of sent one by one for hours.
//
//	flood:
//	  enabled: true     # default; false sends every page on its own
//	  threshold: 20     # pages waiting for one channel before a digest starts
//	  interval: 10s     # how often the digest is refreshed
//	  examples: 5       # how many of the first pages it shows
type Flood struct {
	Enabled   *bool     `yaml:"enabled"`
	Threshold *int      `yaml:"threshold"`
	Interval  *Duration `yaml:"interval"`
	Examples  *int      `yaml:"examples"`
}

// FloodSettings is delivery.flood resolved and defaulted.
type FloodSettings struct {
	Enabled   bool
	Threshold int
	Interval  time.Duration
	Examples  int
}

// Flood control defaults and bounds.
const (
	DefaultFloodThreshold = 20
	DefaultFloodInterval  = 10 * time.Second
	DefaultFloodExamples  = 5
	// maxFloodThreshold stays below the 256 pages a replica holds in memory
	// (notify's MaxInFlight): more can never be seen waiting at once.
	maxFloodThreshold = 200
	minFloodInterval  = 2 * time.Second
	maxFloodInterval  = 5 * time.Minute
	maxFloodExamples  = 20
)

// flood validates and defaults delivery.flood.
func (c *compiler) flood(f Flood) FloodSettings {
	s := FloodSettings{Enabled: true, Threshold: DefaultFloodThreshold, Interval: DefaultFloodInterval,
		Examples: DefaultFloodExamples}
	if f.Enabled != nil {
		s.Enabled = *f.Enabled
	}
	if f.Threshold != nil {
		s.Threshold = *f.Threshold
		switch {
		case s.Threshold < 1:
			c.errorf("delivery.flood.threshold", "delivery.flood.threshold %d: must be at least 1 (to send every page on its own, write enabled: false)", s.Threshold)
		case s.Threshold > maxFloodThreshold:
			c.errorf("delivery.flood.threshold", "delivery.flood.threshold %d is too high: a replica holds at most 256 pages in memory, so a flood would go unnoticed (use at most %d)", s.Threshold, maxFloodThreshold)
		}
	}
	if f.Interval != nil {
		s.Interval = time.Duration(*f.Interval)
		switch {
		case s.Interval < minFloodInterval:
			c.errorf("delivery.flood.interval", "delivery.flood.interval %s is too short: Slack takes about one message a second per channel, and the digest shares it with pages (use at least %s)", s.Interval, minFloodInterval)
		case s.Interval > maxFloodInterval:
			c.errorf("delivery.flood.interval", "delivery.flood.interval %s is too long: on-call would learn how big a flood is that late (use at most %s)", s.Interval, maxFloodInterval)
		}
	}
	if f.Examples != nil {
		s.Examples = *f.Examples
		if s.Examples < 0 || s.Examples > maxFloodExamples {
			c.errorf("delivery.flood.examples", "delivery.flood.examples %d: use 0 (none) to %d", s.Examples, maxFloodExamples)
		}
	}
	return s
}
