package rules

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/notify"
)

// DefaultMaxAge is how old a page may get, undelivered, before it goes to
// the dead letters (and the fallback receiver).
const DefaultMaxAge = time.Hour

// Delivery is the rules file's delivery: section.
//
//	delivery:
//	  max_age: 1h                  # undelivered this long: dead letter
//	  fallback_receiver: console   # gets every dead-lettered page once
type Delivery struct {
	MaxAge           Duration `yaml:"max_age"`
	FallbackReceiver string   `yaml:"fallback_receiver"`

	line int
}

// UnmarshalYAML records where the section starts, for error messages.
func (d *Delivery) UnmarshalYAML(n *yaml.Node) error {
	// Decoding a node does not inherit the file's strictness: check keys here,
	// a misspelt max_age must not silently mean the default.
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Value != "max_age" && k.Value != "fallback_receiver" {
				return fmt.Errorf("line %d: unknown delivery key %q (use max_age, fallback_receiver)", k.Line, k.Value)
			}
		}
	}
	type plain Delivery
	if err := n.Decode((*plain)(d)); err != nil {
		return err
	}
	d.line = n.Line
	return nil
}

// DeliverySettings is the delivery: section resolved and defaulted.
type DeliverySettings struct {
	MaxAge time.Duration
	// Fallback is nil when no fallback receiver is configured.
	Fallback *notify.Receiver
}

// DeliveryFor validates f's delivery: section against rs (compiled from the
// same file) and resolves it. name is the file name for error messages.
func DeliveryFor(name string, f *File, rs *Ruleset) (DeliverySettings, error) {
	d := f.Delivery
	out := DeliverySettings{MaxAge: time.Duration(d.MaxAge)}
	loc := name
	if d.line > 0 {
		loc = fmt.Sprintf("%s:%d", name, d.line)
	}
	var errs []string
	switch {
	case d.MaxAge == 0:
		out.MaxAge = DefaultMaxAge
	case d.MaxAge < Duration(time.Minute):
		errs = append(errs, fmt.Sprintf("%s: delivery.max_age %s is too short: a Slack outage of a minute would dead-letter pages (use at least 1m)", loc, time.Duration(d.MaxAge)))
	}
	if d.FallbackReceiver != "" {
		if _, ok := rs.receivers[d.FallbackReceiver]; !ok {
			errs = append(errs, fmt.Sprintf("%s: delivery.fallback_receiver %q is not a receiver%s", loc, d.FallbackReceiver, suggestReceiver(rs, d.FallbackReceiver)))
		} else {
			// Critical: a dead-lettered page is by definition one nobody saw.
			r := rs.receiver(d.FallbackReceiver, notify.SeverityCritical)
			out.Fallback = &r
		}
	}
	if len(errs) > 0 {
		return DeliverySettings{}, &LoadError{Errs: errs}
	}
	return out, nil
}

// LoadDelivery parses data (the rules file rs was compiled from) and returns
// its delivery settings.
func LoadDelivery(name string, data []byte, rs *Ruleset) (DeliverySettings, error) {
	f, err := Parse(name, data)
	if err != nil {
		return DeliverySettings{}, err
	}
	return DeliveryFor(name, f, rs)
}

func suggestReceiver(rs *Ruleset, name string) string {
	names := make([]string, 0, len(rs.receivers))
	for n := range rs.receivers {
		names = append(names, n)
	}
	return suggest(name, names)
}
