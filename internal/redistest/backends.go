package redistest

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backends runs test against miniredis and against a real redis-server, as
// the subtests "miniredis" and "redis-server", so that Lua scripts and stream
// commands are proven on the real thing, not only on the emulator.
// fastForward moves miniredis's clock (TTLs); on redis-server it is nil, so a
// test that needs it skips that part there.
func Backends(t *testing.T, test func(t *testing.T, rdb redis.UniversalClient, fastForward func(time.Duration))) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) {
		rdb, mr := Mini(t)
		test(t, rdb, mr.FastForward)
	})
	t.Run("redis-server", func(t *testing.T) {
		test(t, Start(t), nil)
	})
}
