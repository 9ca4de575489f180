package state

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Metrics are the state store's Prometheus metrics.
type Metrics struct {
	redisErrors *prometheus.CounterVec
}

// NewMetrics creates the store's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hook_redis_errors_total",
			Help: "Redis commands that failed (connection, timeout or server error), by command.",
		}, []string{"op"}),
	}
	reg.MustRegister(m.redisErrors)
	return m
}

// Instrument counts the failures of every command rdb sends: the store's, the
// thread store's, and anything else sharing the client. The op label is the
// command name, bounded by the commands hook uses.
func (m *Metrics) Instrument(rdb redis.UniversalClient) {
	rdb.AddHook(errorHook{m})
}

type errorHook struct{ m *Metrics }

func (h errorHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil && ctx.Err() == nil {
			h.m.redisErrors.WithLabelValues("dial").Inc()
		}
		return conn, err
	}
}

func (h errorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.count(ctx, cmd, err)
		return err
	}
}

func (h errorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, cmd := range cmds {
			h.count(ctx, cmd, cmd.Err())
		}
		return err
	}
}

func (h errorHook) count(ctx context.Context, cmd redis.Cmder, err error) {
	if failed(ctx, cmd.Name(), err) {
		h.m.redisErrors.WithLabelValues(cmd.Name()).Inc()
	}
}

// failed tells real failures from answers and from what go-redis handles
// itself: redis.Nil (no such key, a blocking read that timed out empty),
// NOSCRIPT (a script not cached yet: go-redis sends it), BUSYGROUP (the
// consumer group exists, as expected), NOGROUP (not created yet: the store
// creates it and retries), the optional CLIENT/HELLO handshake
// commands older servers refuse, and a caller that gave up (shutdown).
func failed(ctx context.Context, name string, err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || ctx.Err() != nil {
		return false
	}
	if name == "client" || name == "hello" {
		return false
	}
	msg := err.Error()
	for _, expected := range []string{"NOSCRIPT", "BUSYGROUP", "NOGROUP"} {
		if strings.HasPrefix(msg, expected) {
			return false
		}
	}
	return true
}
