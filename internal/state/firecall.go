package state

import (
	"context"
	"slices"

	"github.com/redis/go-redis/v9"
)

// fireSource is the fire script's source, sent whole when Redis does not
// know its hash (a restart, a failover).
var fireSource = luaLib + luaFire

// fireCall is one callback's run of the fire script: the five fixed keys of
// its partition (boxed once per partition), the keys its alerts name, its
// time (Unix ms), and two arguments per alert (op, notification).
type fireCall struct {
	part  *part
	fixed []any
	keys  []string
	now   int64
	ops   []any
	// idx maps the call's verdicts to the callback's alerts when they fire
	// into several partitions (one call each); nil: all of them, in order.
	idx []int
	// pends holds, per alert, the pending key of a threshold that may go
	// slim (warmWaits), else "".
	pends []string
}

// alerts is how many verdicts the call gets back.
func (c *fireCall) alerts() int { return len(c.ops) / 2 }

// samePart reports whether c and o fire into the same partition.
func (c *fireCall) samePart(o *fireCall) bool { return c.fixed[0] == o.fixed[0] }

// fireCommand is the EVALSHA running the fire script for calls, laid out as
// the script reads them (lua/fire.lua): KEYS holds each partition's five
// fixed keys once, however many of the calls are in it, then each call's own
// keys; ARGV one segment per call. It is built here, not by go-redis's
// Script, so that the fixed keys are not boxed again for every callback.
func fireCommand(calls []*fireCall) []any {
	n := 3 + constArgs
	for _, c := range calls {
		n += len(c.fixed) + len(c.keys) + 3 + len(c.ops)
	}
	cmd := make([]any, 3, n)
	cmd[0], cmd[1] = "evalsha", fireScript.Hash()
	lone := [1]int{}
	bases := lone[:] // where each call's partition keys start in KEYS (1-based)
	if len(calls) > 1 {
		bases = make([]int, len(calls))
	}
	for i, c := range calls {
		for j, earlier := range calls[:i] {
			if earlier.samePart(c) {
				bases[i] = bases[j]
				break
			}
		}
		if bases[i] == 0 {
			bases[i] = len(cmd) - 2
			cmd = append(cmd, c.fixed...)
		}
		for _, k := range c.keys {
			cmd = append(cmd, k)
		}
	}
	cmd[2] = len(cmd) - 3
	now := any(calls[0].now) // boxed once, for ARGV[1] and its segment
	cmd = appendConstArgs(cmd, now)
	for i, c := range calls {
		if i > 0 {
			now = c.now
		}
		cmd = append(cmd, now, bases[i], c.alerts())
		cmd = append(cmd, c.ops...)
	}
	return cmd
}

// processor is a client or a pipeline.
type processor interface {
	Process(ctx context.Context, cmd redis.Cmder) error
}

// queueFire sends the fire command args on c.
func queueFire(ctx context.Context, c processor, args []any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	cmd.SetFirstKeyPos(3) // for Redis Cluster: the first key decides the node
	_ = c.Process(ctx, cmd)
	return cmd
}

// runFireCommand runs args (fireCommand's) on c, sending the script whole
// if Redis does not know it.
func runFireCommand(ctx context.Context, c processor, args []any) *redis.Cmd {
	cmd := queueFire(ctx, c, args)
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		cmd = queueFire(ctx, c, wholeScript(args))
	}
	return cmd
}

// wholeScript turns fireCommand's EVALSHA into the EVAL of the whole script.
func wholeScript(args []any) []any {
	whole := slices.Clone(args)
	whole[0], whole[1] = "eval", fireSource
	return whole
}
