package outbox

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// fakeWords is match.CodeWords as the outbox sees it: a code without words
// gets some; one with words keeps them.
type fakeWords struct{}

func (fakeWords) Fill(n *alert.Notification) {
	for i := range n.Event.Codes {
		if c := &n.Event.Codes[i]; c.Label == "" && c.Name == "" && c.Meaning == "" {
			c.Label, c.Name, c.Meaning = "Label of "+c.Field, "name", "meaning"
		}
	}
}

// TestReadersGetTheCodesWords: a page the fire script queued carries its
// codes' facts only; whoever reads it from the outbox (the dispatcher, the
// dead-letter listing) gets the words Options.Words gives them. A page of
// the previous version, words and all, reads as it was.
func TestReadersGetTheCodesWords(t *testing.T) {
	old, err := os.ReadFile("../alert/testdata/notification-typical-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	oldPage, err := alert.UnmarshalNotification(old)
	if err != nil {
		t.Fatal(err)
	}
	compact := alert.Notification{ID: "new", Kind: alert.KindFiring, Rule: "r",
		Event: alert.Event{Codes: []alert.Code{{Field: "event", Value: 308}}}}
	body, err := compact.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	filled := alert.Code{Field: "event", Label: "Label of event", Value: 308, Name: "name", Meaning: "meaning"}
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		o := newOutbox(t, rdb, "hook", 1)
		o.words = fakeWords{}
		for _, n := range [][]byte{old, body} {
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: Stream(o.layout.Partition(0)),
				Values: []any{"n", n, "r", `{"name":"oncall","kind":"console"}`, "at", time.Now().UnixMilli()}}).Err(); err != nil {
				t.Fatal(err)
			}
		}
		got, err := o.Read(ctx, "worker-1", 10, 10*time.Millisecond)
		if err != nil || len(got) != 2 {
			t.Fatalf("Read = %d entries, %v; want 2", len(got), err)
		}
		if c := got[0].Notification.Event.Codes; !reflect.DeepEqual(c, oldPage.Event.Codes) {
			t.Errorf("the previous version's page reads %+v, want %+v", c, oldPage.Event.Codes)
		}
		if c := got[1].Notification.Event.Codes; len(c) != 1 || c[0] != filled {
			t.Errorf("a compact page reads %+v, want %+v", c, filled)
		}
		if err := o.DeadLetter(ctx, got[1], "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		dl, err := o.DeadLetters(ctx, 10)
		if err != nil || len(dl) != 1 {
			t.Fatalf("DeadLetters = %d, %v", len(dl), err)
		}
		if c := dl[0].Notification.Event.Codes; len(c) != 1 || c[0] != filled {
			t.Errorf("a dead letter lists %+v, want %+v", c, filled)
		}
	})
}
