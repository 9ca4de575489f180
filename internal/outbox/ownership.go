package outbox

import (
	"context"
	"fmt"

	"github.com/hookdev/hook/internal/alert"
)

// Touch implements notify.Outbox: it resets the idle time of the pages
// consumer still holds (waiting out a rate limit or a backoff, or about to
// be sent), so no other replica reclaims and re-sends them meanwhile, and
// returns the ids it no longer holds, which consumer must drop unsent.
func (o *Outbox) Touch(ctx context.Context, consumer string, ids ...string) (lost []string, err error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// Ids name their partition's stream: one script per stream.
	byPart := map[string][]any{}
	parts := map[string]part{}
	for _, id := range ids {
		p, sid, ok := o.locate(id)
		if !ok {
			lost = append(lost, id) // not an outbox id of ours: nothing to hold
			continue
		}
		if _, seen := byPart[p.Name]; !seen {
			byPart[p.Name] = []any{o.group, consumer}
			parts[p.Name] = p
		}
		byPart[p.Name] = append(byPart[p.Name], sid)
	}
	for name, args := range byPart {
		p := parts[name]
		var gone []string
		err = o.withGroup(ctx, p, func() error {
			gone, err = o.scripts.touch.Run(ctx, o.rdb, []string{p.stream()}, args...).StringSlice()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%w: touch outbox entries: %w", alert.ErrStoreUnavailable, err)
		}
		for _, sid := range gone {
			lost = append(lost, p.id(sid))
		}
	}
	return lost, nil
}
