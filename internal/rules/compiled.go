package rules

import (
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/match"
)

// What the engine reads to judge events: the ruleset compiled, read only.
// The decisions (which rules match, what the store is asked to do) are
// package engine's.

// Rules are the compiled rules, in file order.
func (rs *Ruleset) Rules() []*CompiledRule { return rs.rules }

// PendingRules are the rules with for/clear, whose clear every event is
// tested against.
func (rs *Ruleset) PendingRules() []*CompiledRule { return rs.pendingRules }

// RearmRules are the thresholds with rearm, whose rearm every event is
// tested against.
func (rs *Ruleset) RearmRules() []*CompiledRule { return rs.rearmRules }

// Inhibits are the inhibit rules, in file order.
func (rs *Ruleset) Inhibits() []*InhibitSpec { return rs.inhibits }

// HasRoutes reports whether the file has routes.
func (rs *Ruleset) HasRoutes() bool { return len(rs.routes) > 0 }

// DefaultKey is the built-in dedup key, which a key that fails on an event
// falls back to.
func (rs *Ruleset) DefaultKey() *match.KeyTemplate { return rs.defaults.dedupKey }

// Facts fills e as match.NewFacts would for this ruleset, except that the
// payload is decoded only when one of its rules or templates reads it (see
// compiler.payload). Filling a caller's Facts lets a busy server reuse them.
func (rs *Ruleset) Facts(e *match.Facts, cat *catalog.Catalog, ev callback.Event) {
	if rs.payload {
		ev.DecodePayload()
	}
	match.Fill(e, cat, ev)
	e.Scene = rs.Scene(ev.AppID)
}
