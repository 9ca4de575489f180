package state

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// touchScript refreshes the entries ARGV[3..] that consumer ARGV[2] still
// holds in group ARGV[1], and returns the ids it no longer holds: taken over
// by another consumer (XAUTOCLAIM after a long silence, e.g. a Redis outage
// that kept this one from refreshing), acknowledged, or deleted. Checking the
// owner and claiming in one script is what keeps Touch from stealing an entry
// back: XCLAIM alone would move it to consumer whoever holds it now.
var touchScript = redis.NewScript(`
local lost = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2])
  local kept = false
  if #mine == 1 then
    -- JUSTID with min-idle 0 only resets the idle time and keeps the owner.
    -- A deleted entry is not returned (Redis drops it from the pending list).
    kept = #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID') == 1
  end
  if not kept then
    lost[#lost + 1] = id
  end
end
return lost
`)

// Touch implements notify.Outbox: it resets the idle time of the pages
// consumer still holds (waiting out a rate limit or a backoff, or about to
// be sent), so no other replica reclaims and re-sends them meanwhile, and
// returns the ids it no longer holds, which consumer must drop unsent.
func (s *Redis) Touch(ctx context.Context, consumer string, ids ...string) (lost []string, err error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// Ids name their partition's stream: one script per stream.
	byPart := map[string][]any{}
	parts := map[string]part{}
	for _, id := range ids {
		p, sid, ok := s.locate(id)
		if !ok {
			lost = append(lost, id) // not an outbox id of ours: nothing to hold
			continue
		}
		if _, seen := byPart[p.name]; !seen {
			byPart[p.name] = []any{s.group, consumer}
			parts[p.name] = p
		}
		byPart[p.name] = append(byPart[p.name], sid)
	}
	for name, args := range byPart {
		p := parts[name]
		var gone []string
		err = s.withGroup(ctx, p, func() error {
			gone, err = touchScript.Run(ctx, s.rdb, []string{p.keys.Outbox()}, args...).StringSlice()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%w: touch outbox entries: %w", ErrUnavailable, err)
		}
		for _, sid := range gone {
			lost = append(lost, p.id(sid))
		}
	}
	return lost, nil
}
