package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
)

// minVersion is the oldest Redis hook runs on: the dispatcher takes over
// stale pages with XAUTOCLAIM and a clear records its time with SET … GET,
// both new in 6.2. An older one would answer pings and fail every such
// command, so it is refused up front, with a message that says why.
var minVersion = [2]int{6, 2}

// errTooOld is Ping's error for a Redis older than minVersion: unavailable
// (callbacks get 503, TRTC retries) with a reason /readyz shows.
func errTooOld(version, addr string) error {
	return &alert.Error{Code: alert.EUNAVAILABLE, Reason: alert.ReasonStoreUnsupported,
		Message: fmt.Sprintf("Redis older than %d.%d: hook needs XAUTOCLAIM and SET … GET", minVersion[0], minVersion[1]),
		Err:     fmt.Errorf("redis_version %s at %s", version, addr)}
}

// checkVersion reads the INFO of every master. A server that does not
// say its version (a proxy, an in-process stand-in) is taken at its word.
func (s *Redis) checkVersion(ctx context.Context) error {
	check := func(ctx context.Context, c *redis.Client) error {
		info, err := c.Info(ctx).Result() // no section: a stand-in may know none
		if err != nil {
			var refused redis.Error
			if errors.As(err, &refused) {
				return nil // INFO refused (renamed, or not offered): nothing to go by
			}
			return fmt.Errorf("%w: %w", alert.ErrStoreUnavailable, err)
		}
		v := infoField(info, "redis_version")
		if v != "" && olderThan(v, minVersion) {
			return errTooOld(v, c.Options().Addr)
		}
		return nil
	}
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, check)
	case *redis.Client:
		return check(ctx, c)
	}
	return nil
}

// infoField is the value of name in an INFO reply ("name:value" lines).
func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// olderThan reports whether version ("6.0.16") is below min (major, minor).
// A version it cannot read is not older: better to try than to refuse.
func olderThan(version string, min [2]int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major < min[0] || major == min[0] && minor < min[1]
}
