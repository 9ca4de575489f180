package state

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// runFire runs the fire script. With Options.WaitReplicas it is followed,
// on the same connection, by WAIT: Redis replicates asynchronously, so a
// master that fails right after answering can take a callback's writes with
// it, and TRTC, told the callback was handled, would not send it again.
// WAIT lets Fire succeed only once the replicas have them; when they do not
// answer in time Fire fails and TRTC retries (the retry finds the dedup
// claim if the writes did survive, so it pages once).
func (s *Redis) runFire(ctx context.Context, calls []*fireCall) ([][]string, error) {
	if s.opts.WaitReplicas == 0 && s.batch != nil {
		return s.batch.run(ctx, calls)
	}
	if s.cluster && len(calls) > 1 {
		// One script holds one slot: each partition's call runs on its own
		// master, at once.
		out := make([][]string, len(calls))
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		for i, c := range calls {
			wg.Go(func() { out[i], errs[i] = s.runOne(ctx, []*fireCall{c}) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		return out, nil
	}
	res, err := s.runOne(ctx, calls)
	if err != nil {
		return nil, err
	}
	return splitResults(calls, res)
}

// runOne runs calls in one script (on Redis Cluster, they are of one
// partition), followed by WAIT with Options.WaitReplicas.
func (s *Redis) runOne(ctx context.Context, calls []*fireCall) ([]string, error) {
	args := fireCommand(calls)
	if s.opts.WaitReplicas == 0 {
		return runFireCommand(ctx, s.rdb, args).StringSlice()
	}
	conn, err := s.masterFor(ctx, calls[0].fixed[0].(string))
	if err != nil {
		return nil, err
	}
	res, err := s.fireAndWait(ctx, conn, args)
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		res, err = s.fireAndWait(ctx, conn, wholeScript(args))
	}
	return res, err
}

// splitResults hands each call its verdicts from res, those of the script
// they shared, in order.
func splitResults(calls []*fireCall, res []string) ([][]string, error) {
	total := 0
	for _, c := range calls {
		total += c.alerts()
	}
	if len(res) != total {
		return nil, fmt.Errorf("fire: script returned %d results for %d alerts", len(res), total)
	}
	out := make([][]string, len(calls))
	for i, c := range calls {
		n := c.alerts()
		out[i], res = res[:n:n], res[n:]
	}
	return out, nil
}

// fireAndWait sends the fire command args and WAIT in one pipeline: one
// connection, so WAIT counts the replicas that have this very write.
func (s *Redis) fireAndWait(ctx context.Context, conn *redis.Client, args []any) ([]string, error) {
	pipe := conn.Pipeline()
	script := queueFire(ctx, pipe, args)
	acked := pipe.Do(ctx, "wait", s.opts.WaitReplicas, s.opts.WaitTimeout.Milliseconds())
	_, _ = pipe.Exec(ctx) // errors checked per command below
	res, err := script.StringSlice()
	if err != nil {
		return nil, err
	}
	n, err := acked.Int64()
	if err != nil {
		return nil, fmt.Errorf("wait for replicas: %w", err)
	}
	if n < int64(s.opts.WaitReplicas) {
		return nil, fmt.Errorf("written, but %d of %d replicas confirmed it within %s", n, s.opts.WaitReplicas, s.opts.WaitTimeout)
	}
	return res, nil
}

// masterFor is the connection pool of the master that holds key: the client
// itself, or on Redis Cluster the client of the master owning key's slot.
func (s *Redis) masterFor(ctx context.Context, key string) (*redis.Client, error) {
	switch c := s.rdb.(type) {
	case *redis.Client:
		return c, nil
	case *redis.ClusterClient:
		return c.MasterForKey(ctx, key)
	}
	return nil, errors.New("wait for replicas: needs a redis.Client or a redis.ClusterClient")
}
