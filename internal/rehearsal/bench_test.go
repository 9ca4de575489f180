package rehearsal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/rehearsal"
)

// BenchmarkStormEvent measures one timeout exit during a storm: the threshold,
// group, inhibition and pending-timer work of the example's two rules, in one
// round trip.
func BenchmarkStormEvent(b *testing.B) {
	for _, bk := range []struct {
		name string
		open func(b *testing.B) (redis.UniversalClient, *miniredis.Miniredis)
	}{
		{"miniredis", func(b *testing.B) (redis.UniversalClient, *miniredis.Miniredis) {
			return redistest.Mini(b)
		}},
		{"redis", func(b *testing.B) (redis.UniversalClient, *miniredis.Miniredis) { return redistest.Start(b), nil }},
	} {
		b.Run(bk.name, func(b *testing.B) {
			cat := catalogtest.New(b)
			rdb, mr := bk.open(b)
			rig := rehearsal.NewRig(rdb, mr, cat, exampleRules(b, cat), t0)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ev := exit(fmt.Sprintf("u%d", i), t0.Add(time.Duration(i)*time.Millisecond))
				if _, err := rig.Router.Handle(ctx, ev); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
