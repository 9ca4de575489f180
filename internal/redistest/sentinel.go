package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	// Knowing a replica (from the master's INFO) is not enough: the
	// sentinel promotes only a replica it is connected to and has had an
	// INFO reply from, else SENTINEL FAILOVER answers NOGOODSLAVE.
	eventually(t, 20*time.Second, "the sentinel to be able to promote every replica", func() error {
		known, err := sentinel.Replicas(ctx, s.MasterName).Result()
		if err != nil {
			return err
		}
		ready := 0
		for _, r := range known {
			if promotable(r) {
				ready++
			}
		}
		if ready < replicas {
			return fmt.Errorf("%d of %d replicas promotable: %v", ready, replicas, known)
		}
		return nil
	})
	return s
}

// promotable says whether the sentinel would pick this replica (one entry of
// SENTINEL REPLICAS) in a failover: connected, its link to the master up,
// and an INFO reply from it recent enough (never having had one reads as
// milliseconds since the epoch).
func promotable(r map[string]string) bool {
	refresh, err := strconv.ParseInt(r["info-refresh"], 10, 64)
	return r["flags"] == "slave" && r["master-link-status"] == "ok" && err == nil && refresh < 5000
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
	// A sentinel that lost sight of a replica for a moment (a loaded
	// machine) refuses with NOGOODSLAVE until its next ping and INFO.
	eventually(t, 20*time.Second, "the sentinel to start a failover", func() error {
		err := sentinel.Failover(context.Background(), s.MasterName).Err()
		if err != nil && !strings.HasPrefix(err.Error(), "NOGOODSLAVE") {
			t.Fatalf("sentinel failover: %v", err)
		}
		return err
	})
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
