package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// runFire runs the fire script. With Options.WaitReplicas it is followed,
// on the same connection, by WAIT: Redis replicates asynchronously, so a
// master that fails right after answering can take a callback's writes with
// it, and TRTC, told the callback was handled, would not send it again.
// WAIT lets Fire succeed only once the replicas have them; when they do not
// answer in time Fire fails and TRTC retries (the retry finds the dedup
// claim if the writes did survive, so it pages once).
func (s *Redis) runFire(ctx context.Context, call *fireCall) ([]string, error) {
	if s.opts.WaitReplicas == 0 && s.batch != nil {
		return s.batch.run(ctx, call)
	}
	args := fireCommand([]*fireCall{call})
	if s.opts.WaitReplicas == 0 {
		return runFireCommand(ctx, s.rdb, args).StringSlice()
	}
	conn, err := s.masterFor(ctx, call.fixed[0].(string))
	if err != nil {
		return nil, err
	}
	res, err := s.fireAndWait(ctx, conn, args)
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		res, err = s.fireAndWait(ctx, conn, wholeScript(args))
	}
	return res, err
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
