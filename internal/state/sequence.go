package state

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// Prepared is one callback's alerts encoded for the fire script, to run
// later, after others, with FireSequence.
type Prepared struct {
	calls []*fireCall
}

// Prepare encodes the alerts of a callback handled at now, as Fire would.
func (s *Redis) Prepare(now time.Time, alerts []alert.Alert) (Prepared, error) {
	if len(alerts) == 0 {
		return Prepared{}, nil
	}
	calls, err := s.fireCalls(now, alerts, nil) // whole: replays are not warm
	return Prepared{calls: calls}, err
}

// FireSequence acts on prepared callbacks in order, each at its own time,
// in one round trip and one run of the fire script: what Fire does for
// each, one after the other, as the Batcher runs concurrent callbacks
// together. It is for replays (hook backtest), where callbacks come one
// after another much faster than round trips; on one Redis, not a Cluster
// (a script there holds one partition). It returns each callback's
// verdicts, in its alerts' order.
func (s *Redis) FireSequence(ctx context.Context, seq []Prepared) ([][]alert.Verdict, error) {
	if s.cluster {
		return nil, errors.New("fire sequence: not on Redis Cluster")
	}
	var calls []*fireCall
	for _, p := range seq {
		calls = append(calls, p.calls...)
	}
	out := make([][]alert.Verdict, len(seq))
	if len(calls) == 0 {
		return out, nil
	}
	res, err := s.runOne(ctx, calls)
	if err != nil {
		return nil, fmt.Errorf("%w: fire: %w", alert.ErrStoreUnavailable, err)
	}
	split, err := splitResults(calls, res)
	if err != nil {
		return nil, err
	}
	for i, p := range seq {
		n := 0
		for _, c := range p.calls {
			n += c.alerts()
		}
		out[i] = make([]alert.Verdict, n)
		for _, c := range p.calls {
			for j, r := range split[0] {
				if c.idx != nil {
					j = c.idx[j]
				}
				out[i][j] = verdict(r)
			}
			split = split[1:]
		}
	}
	return out, nil
}
