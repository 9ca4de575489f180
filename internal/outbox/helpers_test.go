package outbox

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// newOutbox is the outbox of n partitions under prefix on rdb, polled often.
func newOutbox(t testing.TB, rdb redis.UniversalClient, prefix string, n int) *Outbox {
	t.Helper()
	l, err := keyspace.NewLayout(prefix, n)
	if err != nil {
		t.Fatal(err)
	}
	return New(rdb, l, Options{Poll: time.Millisecond})
}

// enqueue adds a page for each id to the outbox of the single-slot layout
// (or the first partition), as the fire script does (internal/state): the
// notification, its receiver and when.
func enqueue(ctx context.Context, o *Outbox, ids ...string) error {
	for _, id := range ids {
		n := alert.Notification{ID: id, Kind: alert.KindFiring, Rule: "r"}
		body, err := n.Marshal()
		if err != nil {
			return err
		}
		r, err := json.Marshal(alert.Receiver{Name: "oncall", Kind: alert.ReceiverConsole})
		if err != nil {
			return err
		}
		err = o.rdb.XAdd(ctx, &redis.XAddArgs{Stream: Stream(o.layout.Partition(0)),
			Values: []any{"n", body, "r", r, "at", time.Now().UnixMilli()}}).Err()
		if err != nil {
			return err
		}
	}
	return nil
}
