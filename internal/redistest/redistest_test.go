package redistest

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// A port free when chosen may be taken before redis-server binds it (other
// tests start servers too): the server that cannot bind exits, and launch
// starts it again on another port.
func TestLaunchRetriesATakenPort(t *testing.T) {
	bin := binary(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	attempts := 0
	addr, _ := launchWith(t, t, bin, func(port int) []string {
		attempts++
		if attempts == 1 {
			port = taken.Addr().(*net.TCPAddr).Port // as if another test got there first
		}
		return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	})
	if attempts != 2 {
		t.Errorf("%d attempts, want 2", attempts)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Errorf("the server launch returned does not answer: %v", err)
	}
}
