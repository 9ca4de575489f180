package rules

import (
	"time"

	"github.com/hookdev/hook/internal/notify"
)

// Flood is delivery.flood as written: flood control per channel. When more pages wait
// for one channel than threshold, they are summarised in one digest message,
// refreshed every interval, instead of sent one by one for hours.
//
//	flood:
//	  enabled: true     # default; false sends every page on its own
//	  threshold: 20     # pages waiting for one channel before a digest starts
//	  interval: 10s     # how often the digest is refreshed
//	  examples: 5       # how many of the first pages it shows
//
// It resolves into notify.FloodConfig, whose package declares the defaults
// and bounds: this type only says what the file wrote (nil: not written).
type Flood struct {
	Enabled   *bool     `yaml:"enabled"`
	Threshold *int      `yaml:"threshold"`
	Interval  *Duration `yaml:"interval"`
	Examples  *int      `yaml:"examples"`
}

// flood validates delivery.flood and resolves it into the dispatcher's
// settings, notify's defaults filling what the file leaves out.
func (c *compiler) flood(f Flood) notify.FloodConfig {
	s := notify.DefaultFloodConfig()
	if f.Enabled != nil {
		s.Off = !*f.Enabled
	}
	if f.Threshold != nil {
		s.Threshold = *f.Threshold
		switch {
		case s.Threshold < 1:
			c.errorf("delivery.flood.threshold", "delivery.flood.threshold %d: must be at least 1 (to send every page on its own, write enabled: false)", s.Threshold)
		case s.Threshold > notify.MaxFloodThreshold:
			c.errorf("delivery.flood.threshold", "delivery.flood.threshold %d is too high: a replica holds at most 256 pages in memory, so a flood would go unnoticed (use at most %d)", s.Threshold, notify.MaxFloodThreshold)
		}
	}
	if f.Interval != nil {
		s.Interval = time.Duration(*f.Interval)
		switch {
		case s.Interval < notify.MinFloodInterval:
			c.errorf("delivery.flood.interval", "delivery.flood.interval %s is too short: Slack takes about one message a second per channel, and the digest shares it with pages (use at least %s)", s.Interval, notify.MinFloodInterval)
		case s.Interval > notify.MaxFloodInterval:
			c.errorf("delivery.flood.interval", "delivery.flood.interval %s is too long: on-call would learn how big a flood is that late (use at most %s)", s.Interval, notify.MaxFloodInterval)
		}
	}
	if f.Examples != nil {
		s.Examples = *f.Examples
		if s.Examples < 0 || s.Examples > notify.MaxFloodExamples {
			c.errorf("delivery.flood.examples", "delivery.flood.examples %d: use 0 (none) to %d", s.Examples, notify.MaxFloodExamples)
		}
		if s.Examples == 0 {
			s.Examples = -1 // none: the dispatcher reads 0 as its default
		}
	}
	return s
}
