package rehearsal_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/rehearsal"
	"github.com/hookdev/hook/internal/rules"
)

// A threshold without group_by pages once when the room crosses it; the
// count dropping below and crossing again within the dedup window, by other
// users, is the same incident and pages nobody.
func TestThresholdPagesOncePerRoomWhileItFlaps(t *testing.T) {
	const src = `
receivers: [{name: oncall, console: {}}]
default_receiver: oncall
rules:
  - name: room-drops
    match: {event: room.exit, reason: timeout}
    threshold: {count: 3, within: 60s}
`
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			cat, err := catalog.New()
			if err != nil {
				t.Fatal(err)
			}
			rs, err := rules.Compile("flap.yaml", []byte(src), cat, func(string) string { return "k" })
			if err != nil {
				t.Fatal(err)
			}
			rdb, mr := b.open(t)
			s := &scenario{t: t, ctx: context.Background(), rdb: rdb, mr: mr, rig: rehearsal.NewRig(rdb, mr, cat, rs, t0)}
			for i, user := range []string{"a", "b", "c"} { // crosses at c
				at := t0.Add(time.Duration(i) * time.Second)
				s.at(at, exit(user, at))
			}
			for i, user := range []string{"d", "e", "f"} { // the window has emptied; crosses again at f
				at := t0.Add(2*time.Minute + time.Duration(i)*time.Second)
				s.at(at, exit(user, at))
			}
			s.advance(t0.Add(5 * time.Minute))
			if got := len(s.byRule("room-drops")); got != 1 {
				t.Errorf("the room paged %d times within its dedup window, want 1", got)
			}
			s.assertAllKeysExpire()
		})
	}
}
