package state

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/redistest"
)

// waitDrop is drop with a wait for recovery (for: 20s) that marks an
// inhibition source while it fires: what a storm's exits fire.
func waitDrop(user string, at time.Time) alert.Alert {
	a := drop(user, at, 3, 0)
	a.For = 20 * time.Second
	a.InhibitSources = []alert.InhibitMark{{Key: "outage/" + testApp + "/8489", Hold: 40 * time.Second}}
	return a
}

// The warm path is a shortcut, never another decision: one storm (drops,
// a recovery, a redelivery, the tick that pages, drops while the page
// holds) gives the same verdicts, pages and inhibition whether the store
// sends every op whole or slim where it takes the wait to run.
func TestSlimOpsDecideAsWholeOnes(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		t0 := time.Now()
		type result struct {
			verdicts []alert.Verdict
			pages    []string
			marked   bool
		}
		play := func(prefix string, warm bool) result {
			s := wire(New(rdb, prefix))
			if !warm {
				s.warm = nil
			}
			r := roomOf(t, rdb, s)
			r.enter(users(9)...)
			var res result
			fireAt := func(now time.Time, a alert.Alert) {
				t.Helper()
				v, err := s.Fire(ctx, now, []alert.Alert{a})
				if err != nil {
					t.Fatal(err)
				}
				res.verdicts = append(res.verdicts, v...)
			}
			for i, u := range users(6) {
				fireAt(t0, waitDrop(u, t0.Add(time.Duration(i)*time.Second)))
			}
			back := waitDrop("u1", t0.Add(7*time.Second))
			back.Op = alert.OpRecover
			fireAt(t0.Add(7*time.Second), back)
			late := waitDrop("u6", t0.Add(8*time.Second))
			fireAt(t0.Add(8*time.Second), late)
			fireAt(t0.Add(8*time.Second), late) // TRTC's redelivery
			if _, err := s.Tick(ctx, t0.Add(30*time.Second), 100); err != nil {
				t.Fatal(err)
			}
			fireAt(t0.Add(31*time.Second), waitDrop("u7", t0.Add(31*time.Second)))
			pages, err := s.Drain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				var names []string
				for _, m := range p.Members {
					names = append(names, m.Name)
				}
				res.pages = append(res.pages, fmt.Sprintf("%s %s %v %+v", p.Kind, p.Rule, names, p.Why))
			}
			mark := inhibitKey(s.parts[s.layout.PartitionOf(testApp, "8489")].keys, "outage/"+testApp+"/8489")
			res.marked = rdb.Exists(ctx, mark).Val() == 1
			if warm {
				pend := pendingKey(s.parts[s.layout.PartitionOf(testApp, "8489")].keys, "outage", testApp+"/8489")
				if !s.warm.warm(pend, t0.Add(31*time.Second).UnixMilli()) {
					t.Error("the store does not take the wait to run: its ops never went slim")
				}
			}
			return res
		}
		whole, slim := play("whole", false), play("slim", true)
		if !slices.Equal(whole.verdicts, slim.verdicts) {
			t.Errorf("verdicts slim %v, whole %v", slim.verdicts, whole.verdicts)
		}
		if !slices.Equal(whole.pages, slim.pages) || len(whole.pages) != 1 {
			t.Errorf("pages slim %q, whole %q; want one, the same", slim.pages, whole.pages)
		}
		if !whole.marked || !slim.marked {
			t.Errorf("inhibition marked: whole %v, slim %v; want both", whole.marked, slim.marked)
		}
	})
}

// A replica's guess that a wait runs can be wrong (the wait ended: its
// members came back, or another replica's tick judged it). The slim op
// then writes nothing, and Fire sends it again whole: it counts as it
// would have.
func TestSlimOpSentAgainWholeWhenTheWaitEnded(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s, other := wire(New(rdb, "hook")), wire(New(rdb, "hook"))
		t0 := time.Now()
		pend := pendingKey(s.parts[s.layout.PartitionOf(testApp, "8489")].keys, "outage", testApp+"/8489")
		for i, u := range users(3) {
			if _, err := s.Fire(ctx, t0, []alert.Alert{waitDrop(u, t0.Add(time.Duration(i)*time.Millisecond))}); err != nil {
				t.Fatal(err)
			}
		}
		if !s.warm.warm(pend, t0.UnixMilli()) {
			t.Fatal("the crossing opened the wait, yet s does not take it to run")
		}
		if _, err := s.Fire(ctx, t0, []alert.Alert{waitDrop("u3", t0.Add(3*time.Millisecond))}); err != nil {
			t.Fatal(err)
		}
		for _, u := range users(4) {
			back := waitDrop(u, t0.Add(10*time.Millisecond))
			back.Op = alert.OpRecover
			if _, err := other.Fire(ctx, t0, []alert.Alert{back}); err != nil {
				t.Fatal(err)
			}
		}
		if outs, err := other.Tick(ctx, t0.Add(30*time.Second), 100); err != nil || len(outs) != 1 || outs[0].Verdict != alert.VerdictCleared {
			t.Fatalf("tick: %+v, %v; want the wait cleared", outs, err)
		}
		now := t0.Add(500 * time.Millisecond) // s still takes the wait to run
		if !s.warm.warm(pend, now.UnixMilli()) {
			t.Fatal("s does not take the wait to run")
		}
		for i, u := range []string{"u4", "u5", "u6"} {
			v, err := s.Fire(ctx, now, []alert.Alert{waitDrop(u, t0.Add(time.Duration(20+i)*time.Millisecond))})
			want := alert.VerdictCounted
			if i == 2 {
				want = alert.VerdictPending // three away again: a new wait
			}
			if err != nil || v[0] != want {
				t.Fatalf("drop of %s: %v, %v; want %s", u, v, err, want)
			}
		}
	})
}

// A slim op names only what the wait's hot path reads: no receivers, no
// labels, no notification, and of the keys only those it touches, each as
// the whole op names it.
func TestSlimOpCarriesOnlyTheHotPath(t *testing.T) {
	ks := keyspace.New("hook")
	for _, rearm := range []bool{false, true} {
		a := waitDrop("u0", time.Now())
		a.Labels = map[string]string{"room": "8489"}
		a.Rearm = rearm
		whole, err := newOp(ks, &a)
		if err != nil {
			t.Fatal(err)
		}
		o := slimOp(ks, &a, whole.K.Pend)
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{"labels", "count", "share", "n"} {
			if _, ok := got[field]; ok {
				t.Errorf("slim op has %q: %s", field, b)
			}
		}
		if got["r"] != nil || got["slim"] != true {
			t.Errorf("slim op %s", b)
		}
		want := op{Op: whole.Op, Rule: whole.Rule, Ev: whole.Ev, Member: whole.Member, Within: whole.Within,
			Wait: whole.Wait, Detail: whole.Detail, Slim: true,
			K: opKeys{Win: whole.K.Win, Pend: whole.K.Pend, Drop: whole.K.Drop, Src: whole.K.Src, Arm: whole.K.Arm}}
		wb, _ := json.Marshal(want)
		if string(b) != string(wb) {
			t.Errorf("slim op (rearm %v)\n%s\nwant the whole op's hot fields\n%s", rearm, b, wb)
		}
		if o.K.Dedup != "" || o.K.Win == "" || o.K.Pend == "" || len(o.K.Src) != 1 || (o.K.Arm != "") != rearm {
			t.Errorf("slim op's keys %+v: want window, pending and source, no dedup", o.K)
		}
	}
}

// warmWaits stays bounded, and forgets a key whose op found no wait.
func TestWarmWaitsBounded(t *testing.T) {
	w := newWarmWaits()
	for i := range 3 * maxWarm {
		w.learn(fmt.Sprint("k", i), "pending:w", 1000)
	}
	if n := w.n.Load(); n > maxWarm {
		t.Errorf("%d entries, want at most %d", n, maxWarm)
	}
	w.learn("k", "pending:w", 1000)
	if !w.warm("k", 1500) || w.warm("k", 1000+warmFor.Milliseconds()) {
		t.Error("a warm entry lasts warmFor")
	}
	w.learn("k", "counted", 1600)
	if w.warm("k", 1700) {
		t.Error("a verdict without :w leaves the key warm")
	}
}

// While a wait runs, a drop leaves its window's TTL alone; a window that
// recoveries emptied (deleting it) and a later drop made again gets its TTL
// when the wait ends, whatever the tick decides: no window outlives its
// use.
func TestWindowMadeAgainDuringTheWaitExpires(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := wire(New(rdb, "hook"))
		t0 := time.Now()
		fireAt := func(a alert.Alert) alert.Verdict {
			t.Helper()
			v, err := s.Fire(ctx, t0, []alert.Alert{a})
			if err != nil {
				t.Fatal(err)
			}
			return v[0]
		}
		for i, u := range users(3) {
			fireAt(waitDrop(u, t0.Add(time.Duration(i)*time.Millisecond)))
		}
		for _, u := range users(3) {
			back := waitDrop(u, t0.Add(10*time.Millisecond))
			back.Op = alert.OpRecover
			fireAt(back)
		}
		win := windowKey(s.parts[s.layout.PartitionOf(testApp, "8489")].keys, "outage", testApp+"/8489")
		if n := rdb.Exists(ctx, win).Val(); n != 0 {
			t.Fatalf("window exists after every member came back")
		}
		if v := fireAt(waitDrop("u9", t0.Add(20*time.Millisecond))); v != alert.VerdictPending {
			t.Fatalf("drop during the wait: %s", v)
		}
		if outs, err := s.Tick(ctx, t0.Add(30*time.Second), 100); err != nil || len(outs) != 1 || outs[0].Verdict != alert.VerdictCleared {
			t.Fatalf("tick: %+v, %v; want the wait cleared (1 of 3 away)", outs, err)
		}
		if ttl := rdb.PTTL(ctx, win).Val(); ttl <= 0 {
			t.Errorf("window's TTL after the wait: %v, want one", ttl)
		}
	})
}
