package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a running Redis Cluster of three masters (no replicas), each
// owning a third of the slots, as `redis-cli --cluster create` would split
// them.
type Cluster struct {
	// Masters are the masters' addresses, in slot order.
	Masters []string
}

// clusterRanges are the slots of each master, as redis-cli assigns them.
var clusterRanges = [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}}

// StartCluster runs three redis-server in cluster mode for this test alone;
// see startCluster.
func StartCluster(t testing.TB) (*redis.ClusterClient, *Cluster) {
	t.Helper()
	dir := t.TempDir()
	return startCluster(t, t, dir)
}

// SharedCluster returns the cluster every test of this test binary shares,
// started by the first that asks and emptied (FLUSHALL) for each: forming a
// cluster takes seconds, flushing it a millisecond. It needs the package's
// TestMain to call Main, which stops the cluster when the tests end; without
// it each test gets a cluster of its own. Tests sharing it must not run in
// parallel.
func SharedCluster(t testing.TB) (*redis.ClusterClient, *Cluster) {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.main {
		return StartCluster(t)
	}
	if shared.cluster == nil {
		dir, err := os.MkdirTemp("", "hook-cluster-")
		if err != nil {
			t.Fatalf("redis cluster: %v", err)
		}
		shared.Cleanup(func() { os.RemoveAll(dir) })
		shared.client, shared.cluster = startCluster(t, &shared, dir)
	}
	shared.cluster.Flush(t)
	return shared.client, shared.cluster
}

// shared holds the servers started once for a whole test binary.
var shared servers

type servers struct {
	mu      sync.Mutex
	main    bool
	stops   []func()
	cluster *Cluster
	client  *redis.ClusterClient
}

// Cleanup implements owner: f runs when Main returns.
func (s *servers) Cleanup(f func()) { s.stops = append(s.stops, f) }

// Main runs the tests and then stops the servers they shared. Call it from
// TestMain: os.Exit(redistest.Main(m)).
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for i := len(shared.stops) - 1; i >= 0; i-- {
		shared.stops[i]()
	}
	shared.stops, shared.cluster, shared.client = nil, nil, nil
	return code
}

// startCluster runs three redis-server in cluster mode (node files in dir),
// assigns the slots (CLUSTER ADDSLOTSRANGE), joins them (CLUSTER MEET), waits
// for cluster_state:ok on every node, and returns a ClusterClient for it. It
// skips like Start when redis-server is missing.
func startCluster(t testing.TB, own owner, dir string) (*redis.ClusterClient, *Cluster) {
	t.Helper()
	bin := binary(t)
	ctx := context.Background()
	c := &Cluster{}
	buses := make([]int, len(clusterRanges))
	for i := range clusterRanges {
		// A bus port of its own on every attempt (launchWith retries a
		// server that could not bind its ports), never the server's.
		addr, _ := launchWith(t, own, bin, func(port int) []string {
			buses[i] = freePort(t)
			for buses[i] == port {
				buses[i] = freePort(t)
			}
			return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--protected-mode", "no",
				"--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
				"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d-%d.conf", os.Getpid(), buses[i])),
				"--cluster-port", strconv.Itoa(buses[i]), "--cluster-node-timeout", "5000", "--dir", dir}
		})
		c.Masters = append(c.Masters, addr)
	}
	nodes := make([]*redis.Client, len(c.Masters))
	for i, addr := range c.Masters {
		nodes[i] = redis.NewClient(&redis.Options{Addr: addr})
		defer nodes[i].Close()
		// Distinct epochs up front spare the cluster resolving a collision.
		must(t, nodes[i].Do(ctx, "cluster", "set-config-epoch", i+1).Err(), "set config epoch")
		r := clusterRanges[i]
		must(t, nodes[i].Do(ctx, "cluster", "addslotsrange", r[0], r[1]).Err(), "assign slots")
	}
	for i := 1; i < len(c.Masters); i++ {
		host, port, _ := strings.Cut(c.Masters[i], ":")
		must(t, nodes[0].Do(ctx, "cluster", "meet", host, port, buses[i]).Err(), "cluster meet")
	}
	for _, n := range nodes {
		eventually(t, 30*time.Second, "cluster_state:ok on "+n.Options().Addr, func() error {
			info, err := n.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				return fmt.Errorf("not ready:\n%s", info)
			}
			return nil
		})
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Masters})
	own.Cleanup(func() { rdb.Close() })
	eventually(t, 10*time.Second, "the cluster client to see three masters", func() error {
		rdb.ReloadState(ctx)
		var n atomic.Int32 // ForEachMaster calls in parallel
		err := rdb.ForEachMaster(ctx, func(context.Context, *redis.Client) error { n.Add(1); return nil })
		if err == nil && int(n.Load()) != len(c.Masters) {
			err = fmt.Errorf("%d masters", n.Load())
		}
		return err
	})
	return rdb, c
}

// Flush empties every master: tests sharing one cluster start clean.
func (c *Cluster) Flush(t testing.TB) {
	t.Helper()
	for _, addr := range c.Masters {
		n := redis.NewClient(&redis.Options{Addr: addr})
		err := n.FlushAll(context.Background()).Err()
		n.Close()
		must(t, err, "flush "+addr)
	}
}

// Master returns a client for the i-th master (slot order), closed with t.
func (c *Cluster) Master(t testing.TB, i int) *redis.Client {
	n := redis.NewClient(&redis.Options{Addr: c.Masters[i]})
	t.Cleanup(func() { n.Close() })
	return n
}

func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("redis cluster: %s: %v", what, err)
	}
}
