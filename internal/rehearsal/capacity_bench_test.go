package rehearsal_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/state"
)

// BenchmarkRedisWork measures what each workload costs Redis per callback,
// on one redis-server and on a three-master cluster: script calls, Redis
// commands (those the scripts run included), script time and main-thread CPU
// from INFO commandstats and INFO cpu deltas per master, and how evenly the
// work spreads over the masters. It is what the README's capacity model is
// built from; run it with
//
//	go test ./internal/rehearsal -run '^$' -bench RedisWork -benchtime 2x
//
// One iteration is one round of the workload; timers (pending alerts, group
// flushes) fire as a replica fires them (a tick a second) and count with the
// callbacks that started them. idle-replica is the fixed cost of one
// replica: a tick and an outbox poll on an empty store.
func BenchmarkRedisWork(b *testing.B) {
	workloads := []struct {
		name  string
		round func(round int) []callback.Event
	}{
		// Routine callbacks match no rule and never reach Redis.
		{"routine", func(round int) []callback.Event {
			var evs []callback.Event
			for i := range 1000 {
				at := t0.Add(time.Duration(round)*time.Hour + time.Duration(i)*10*time.Millisecond)
				ev := roomEvent(201, callback.Absent, fmt.Sprintf("u%d", i), at)
				ev.Group, ev.RoomID = 2, fmt.Sprintf("r%d-%d", round, i)
				evs = append(evs, ev)
			}
			return evs
		}},
		// Alerting without a storm: users in different rooms drop; half come
		// back within 30 s (a blip: pending, then cleared), half do not (the
		// timer pages).
		{"alerting", func(round int) []callback.Event {
			var evs []callback.Event
			for i := range 500 {
				at := t0.Add(time.Duration(round)*time.Hour + time.Duration(i)*20*time.Millisecond)
				r, u := fmt.Sprintf("r%d-%d", round, i), fmt.Sprintf("u%d", i)
				evs = append(evs, exitIn(r, u, at))
				if i%2 == 0 {
					evs = append(evs, enterIn(r, u, at.Add(10*time.Second)))
				}
			}
			return evs
		}},
		// A storm: 50 rooms, 20 users each timing out within 10 s.
		{"storm", func(round int) []callback.Event {
			var evs []callback.Event
			for u := range 20 {
				for r := range 50 {
					at := t0.Add(time.Duration(round)*time.Hour + time.Duration(u)*500*time.Millisecond + time.Duration(r)*7*time.Millisecond)
					evs = append(evs, exitIn(fmt.Sprintf("r%d-%d", round, r), fmt.Sprintf("u%d", u), at))
				}
			}
			return evs
		}},
	}
	topologies := []struct {
		name       string
		partitions int
		open       func(b *testing.B) (redis.UniversalClient, []*redis.Client)
	}{
		{"one-server", 1, func(b *testing.B) (redis.UniversalClient, []*redis.Client) {
			rdb := redistest.Start(b)
			return rdb, []*redis.Client{rdb}
		}},
		{"cluster-3-masters", 16, func(b *testing.B) (redis.UniversalClient, []*redis.Client) {
			rdb, c := redistest.StartCluster(b)
			var masters []*redis.Client
			for i := range c.Masters {
				masters = append(masters, c.Master(b, i))
			}
			return rdb, masters
		}},
	}
	cat := catalogtest.New(b)
	rs := exampleRules(b, cat)
	for _, topo := range topologies {
		rdb, masters := topo.open(b)
		st, err := state.NewPartitioned(rdb, "hook", state.Options{Partitions: topo.partitions})
		if err != nil {
			b.Fatal(err)
		}
		ob := outbox.New(rdb, st.Layout(), outbox.Options{})
		for _, w := range workloads {
			b.Run(topo.name+"/"+w.name, func(b *testing.B) {
				ctx := context.Background()
				clock := &benchClock{}
				eng := engine.New(cat, rs, st, clock.Now, nil)
				before := readStats(b, masters)
				callbacks, round := 0, 0
				for b.Loop() {
					evs := w.round(round)
					replay(b, ctx, eng, st, clock, evs)
					callbacks += len(evs)
					round++
				}
				report(b, before, readStats(b, masters), callbacks, "callback")
				for _, m := range masters {
					_ = m.FlushAll(ctx).Err()
				}
			})
		}
		// The yardstick: a plain SET, one round trip each, as a callback's
		// script is. Callback costs divided by it carry over to other
		// machines better than microseconds do.
		b.Run(topo.name+"/reference-set", func(b *testing.B) {
			ctx := context.Background()
			before := readStats(b, masters)
			sets := 0
			for b.Loop() {
				for i := range 1000 {
					if err := rdb.Set(ctx, fmt.Sprintf("{hook:bench}:%d", i), "x", time.Minute).Err(); err != nil {
						b.Fatal(err)
					}
					sets++
				}
			}
			report(b, before, readStats(b, masters), sets, "set")
		})
		// The fixed cost of a replica in one idle second: a timer tick and,
		// with several partitions, ten outbox polls, on an empty store. (One stream is read with a blocking read, two
		// a second when idle; Redis times blocked reads out at its hz, so
		// they are left out here.)
		b.Run(topo.name+"/idle-replica", func(b *testing.B) {
			ctx := context.Background()
			before := readStats(b, masters)
			polls := 0
			for b.Loop() {
				for range 200 {
					if _, err := st.Tick(ctx, time.Now(), engine.TickBatch); err != nil {
						b.Fatal(err)
					}
					for range 10 {
						if topo.partitions == 1 {
							break
						}
						if _, err := ob.Read(ctx, "bench", 100, 0); err != nil {
							b.Fatal(err)
						}
					}
					polls++
				}
			}
			report(b, before, readStats(b, masters), polls, "idle-second")
		})
	}
}

// benchClock is the engine's clock, set by replay.
type benchClock struct{ t time.Time }

func (c *benchClock) Now() time.Time { return c.t }

// replay handles evs at their times and fires timers as a replica does, one
// Tick a second; after the last event it skips the seconds with nothing due.
func replay(b *testing.B, ctx context.Context, eng *engine.Engine, st *state.Redis, clock *benchClock, evs []callback.Event) {
	b.Helper()
	next := time.UnixMilli(evs[0].EventMs).Truncate(time.Second).Add(time.Second)
	for _, ev := range evs {
		at := time.UnixMilli(ev.EventMs)
		for ; !next.After(at); next = next.Add(time.Second) {
			clock.t = next
			if _, err := eng.Tick(ctx); err != nil {
				b.Fatal(err)
			}
		}
		clock.t = at
		if _, err := eng.Handle(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	for {
		due, ok, err := st.NextDue(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !ok || due.After(clock.t.Add(time.Hour)) {
			return
		}
		for !next.After(due) {
			next = next.Add(time.Second)
		}
		clock.t = next
		if _, err := eng.Tick(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// stats is one master's counters: calls and µs per command, main-thread CPU.
type stats struct {
	calls map[string]int64
	usec  map[string]int64
	cpu   float64 // seconds
}

func readStats(b *testing.B, masters []*redis.Client) []stats {
	b.Helper()
	out := make([]stats, len(masters))
	for i, m := range masters {
		info, err := m.Info(context.Background(), "commandstats", "cpu").Result()
		if err != nil {
			b.Fatal(err)
		}
		s := stats{calls: map[string]int64{}, usec: map[string]int64{}}
		for _, line := range strings.Split(info, "\r\n") {
			k, v, ok := strings.Cut(line, ":")
			switch {
			case !ok:
			case strings.HasPrefix(k, "cmdstat_"):
				name := strings.TrimPrefix(k, "cmdstat_")
				for _, f := range strings.Split(v, ",") {
					fk, fv, _ := strings.Cut(f, "=")
					n, _ := strconv.ParseInt(fv, 10, 64)
					switch fk {
					case "calls":
						s.calls[name] = n
					case "usec":
						s.usec[name] = n
					}
				}
			case k == "used_cpu_sys_main_thread" || k == "used_cpu_user_main_thread":
				f, _ := strconv.ParseFloat(v, 64)
				s.cpu += f
			}
		}
		out[i] = s
	}
	return out
}

// overhead are commands the measurement itself, the client's handshake and
// cluster discovery send.
func overhead(cmd string) bool {
	return cmd == "info" || cmd == "ping" || cmd == "flushall" || cmd == "hello" || cmd == "select" ||
		strings.HasPrefix(cmd, "cluster") || strings.HasPrefix(cmd, "client") || strings.HasPrefix(cmd, "command") ||
		strings.HasPrefix(cmd, "script")
}

// report turns the deltas into metrics per unit (a callback): scripts,
// commands, script µs and main-thread CPU µs in all, and the busiest
// master's share.
func report(b *testing.B, before, after []stats, n int, unit string) {
	var scripts, cmds, scriptUsec int64
	var cpu float64
	shares := make([]float64, len(after))
	for i := range after {
		var mine int64
		for cmd, n := range after[i].calls {
			d := n - before[i].calls[cmd]
			if overhead(cmd) || d == 0 {
				continue
			}
			if cmd == "evalsha" || cmd == "eval" {
				scripts += d
				scriptUsec += after[i].usec[cmd] - before[i].usec[cmd]
			}
			cmds += d
			mine += d
		}
		c := after[i].cpu - before[i].cpu
		cpu += c
		shares[i] = float64(mine)
	}
	per := func(v float64) float64 { return v / float64(n) }
	b.ReportMetric(per(float64(scripts)), "scripts/"+unit)
	b.ReportMetric(per(float64(cmds)), "cmds/"+unit)
	b.ReportMetric(per(float64(scriptUsec)), "script-µs/"+unit)
	b.ReportMetric(per(cpu*1e6), "cpu-µs/"+unit)
	if total := float64(cmds); total > 0 && len(shares) > 1 {
		busiest := slices.Max(shares) / total
		b.ReportMetric(busiest, "busiest-master-share")
		var parts []string
		for _, s := range shares {
			parts = append(parts, fmt.Sprintf("%.0f%%", 100*s/total))
		}
		b.Logf("%d %ss; commands per master: %s", n, unit, strings.Join(parts, " / "))
	}
	b.ReportMetric(0, "ns/op")
}
