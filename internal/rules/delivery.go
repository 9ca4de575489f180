package rules

import (
	"slices"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/notify"
)

// Delivery is the rules file's delivery: section.
//
//	delivery:
//	  max_age: 1h                  # undelivered this long: dead letter
//	  fallback_receiver: console   # gets every dead-lettered page once
//	  flood: {threshold: 20, interval: 10s, examples: 5}   # see flood.go
type Delivery struct {
	MaxAge           Duration `yaml:"max_age"`
	FallbackReceiver string   `yaml:"fallback_receiver"`
	Flood            Flood    `yaml:"flood"`
}

// DeliverySettings is the delivery: section resolved and defaulted; the
// defaults and the settings' types are delivery's (package notify).
type DeliverySettings struct {
	MaxAge time.Duration
	// Fallback is nil when no fallback receiver is configured.
	Fallback *alert.Receiver
	Flood    notify.FloodConfig
}

// Delivery returns the ruleset's delivery settings.
func (rs *Ruleset) Delivery() DeliverySettings { return rs.delivery }

// delivery validates and resolves the delivery: section; receivers must be
// compiled first.
func (c *compiler) delivery(d Delivery, rs *Ruleset) {
	rs.delivery = DeliverySettings{MaxAge: time.Duration(d.MaxAge), Flood: c.flood(d.Flood)}
	switch {
	case d.MaxAge == 0:
		rs.delivery.MaxAge = notify.DefaultMaxAge
	case d.MaxAge < Duration(time.Minute):
		c.errorf("delivery.max_age", "delivery.max_age %s is too short: a Slack outage of a minute would dead-letter pages (use at least 1m)", time.Duration(d.MaxAge))
	}
	if d.FallbackReceiver == "" {
		return
	}
	if _, ok := rs.receivers[d.FallbackReceiver]; !ok {
		// Checked as default_receiver is (receiverNames): not called
		// undefined when the receivers could not be read.
		if names, known := c.receiverNames(rs); known && !slices.Contains(names, d.FallbackReceiver) {
			c.errorf("delivery.fallback_receiver", "delivery.fallback_receiver %q is not a receiver%s", d.FallbackReceiver, alert.Suggest(d.FallbackReceiver, names))
		}
		return
	}
	// Critical: a dead-lettered page is by definition one nobody saw.
	r := rs.receiver(d.FallbackReceiver, alert.SeverityCritical)
	rs.delivery.Fallback = &r
}
