package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sentinel is a master, its replicas, and a sentinel watching them under
// MasterName.
type Sentinel struct {
	MasterName string
	// Master and Replicas are the servers' addresses; a failover swaps roles.
	Master   string
	Replicas []string
	// Addr is the sentinel's address.
	Addr string
	kill map[string]func()
}

// StartSentinel runs a master, replicas replicas (--replicaof) that have
// synced with it, and a sentinel (redis-server --sentinel, from a generated
// config) that knows them all. It skips like Start when redis-server is
// missing.
func StartSentinel(t testing.TB, replicas int) *Sentinel {
	t.Helper()
	bin := binary(t)
	ctx := context.Background()
	s := &Sentinel{MasterName: "mymaster", kill: map[string]func(){}}
	// A replica's full sync goes through an RDB file: keep it out of the
	// package directory. No sync delay: there is no other replica to wait for.
	dir := t.TempDir()
	sync := []string{"--repl-diskless-sync-delay", "0", "--dir", dir}
	s.Master = s.start(t, bin, sync)
	host, port, _ := strings.Cut(s.Master, ":")
	for range replicas {
		addr := s.start(t, bin, append([]string{"--replicaof", host, port}, sync...))
		s.Replicas = append(s.Replicas, addr)
		replica := redis.NewClient(&redis.Options{Addr: addr})
		eventually(t, 20*time.Second, "the replica to sync", func() error {
			info, err := replica.Info(ctx, "replication").Result()
			if err == nil && !strings.Contains(info, "master_link_status:up") {
				err = fmt.Errorf("not synced:\n%s", info)
			}
			return err
		})
		replica.Close()
	}
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("sentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %[1]s 1000\nsentinel failover-timeout %[1]s 10000\n",
		s.MasterName, host, port)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatalf("sentinel config: %v", err)
	}
	// The config file comes first on the command line; the sentinel
	// rewrites it, so it must be writable.
	s.Addr, _ = launch(t, t, bin, []string{conf}, []string{"--sentinel"})
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
	defer sentinel.Close()
	eventually(t, 20*time.Second, "the sentinel to know every replica", func() error {
		known, err := sentinel.Replicas(ctx, s.MasterName).Result()
		if err == nil && len(known) < replicas {
			err = fmt.Errorf("%d of %d replicas known", len(known), replicas)
		}
		return err
	})
	return s
}

// Client is a FailoverClient for the sentinel's master, closed with t.
func (s *Sentinel) Client(t testing.TB) *redis.Client {
	rdb := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: s.MasterName, SentinelAddrs: []string{s.Addr}})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func (s *Sentinel) start(t testing.TB, bin string, args []string) string {
	addr, kill := launch(t, t, bin, nil, append([]string{"--save", "", "--appendonly", "no"}, args...))
	s.kill[addr] = kill
	return addr
}

// Failover makes the sentinel promote a replica of a healthy master
// (SENTINEL FAILOVER) and waits until it reports a replica as the master.
func (s *Sentinel) Failover(t testing.TB) {
	t.Helper()
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
	defer sentinel.Close()
	if err := sentinel.Failover(context.Background(), s.MasterName).Err(); err != nil {
		t.Fatalf("sentinel failover: %v", err)
	}
	s.waitPromotion(t, sentinel)
}

// Crash kills the master (SIGKILL) and waits until the sentinel, finding it
// down, has promoted a replica.
func (s *Sentinel) Crash(t testing.TB) {
	t.Helper()
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
	defer sentinel.Close()
	s.kill[s.Master]()
	s.waitPromotion(t, sentinel)
}

func (s *Sentinel) waitPromotion(t testing.TB, sentinel *redis.SentinelClient) {
	t.Helper()
	ctx := context.Background()
	eventually(t, 30*time.Second, "a replica to be promoted", func() error {
		addr, err := sentinel.GetMasterAddrByName(ctx, s.MasterName).Result()
		if err != nil {
			return err
		}
		now := strings.Join(addr, ":")
		i := slices.Index(s.Replicas, now)
		if i < 0 {
			return fmt.Errorf("master still %v", now)
		}
		s.Replicas[i], s.Master = s.Master, now
		return nil
	})
}
