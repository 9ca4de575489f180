package outbox

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

// TestDigests runs the digest scripts on miniredis and a real redis-server:
// a page leaves the outbox and joins its digest in one step, only when this
// consumer still holds it; digests are listed, capped and dead-lettered.
func TestDigests(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := newOutbox(t, rdb, "hook", 1)
		r := alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall"}
		enqueue := func(ids ...string) {
			for _, id := range ids {
				n := alert.Notification{ID: id, Kind: alert.KindFiring, Rule: "rec", Severity: alert.SeverityCritical,
					CreatedAt: time.UnixMilli(1_700_000_000_000), Receiver: r, Event: alert.Event{App: "1", Room: "room-" + id}}
				b, _ := n.Marshal()
				if err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.Key(), Values: []any{"n", b}}).Err(); err != nil {
					t.Fatal(err)
				}
			}
		}
		enqueue("p1", "p2", "p3")
		mine, err := s.Read(ctx, "a", 2, time.Millisecond)
		if err != nil || len(mine) != 2 {
			t.Fatalf("read: %d, %v", len(mine), err)
		}
		theirs, _ := s.Read(ctx, "b", 1, time.Millisecond)
		digest := alert.Notification{ID: "dg-1", Kind: alert.KindDigest, Receiver: r}

		// Consumer a absorbs its two pages and p3, which b holds: only its own go.
		ids, err := s.Absorb(ctx, "a", digest, append(mine, theirs...))
		if err != nil || len(ids) != 2 || ids[0] != mine[0].ID || ids[1] != mine[1].ID {
			t.Fatalf("absorbed %v, %v; want a's two pages", ids, err)
		}
		if n, _ := s.Depth(ctx); n != 1 {
			t.Errorf("outbox holds %d pages, want b's one", n)
		}
		if again, err := s.Absorb(ctx, "a", digest, mine); err != nil || len(again) != 0 {
			t.Errorf("absorbing the same pages again took %v, %v", again, err)
		}
		if st, _ := s.OutboxStats(ctx, time.Now()); st.Pending != 1 {
			t.Errorf("pending = %d, want b's one", st.Pending)
		}

		rec, pages, err := s.Digest(ctx, "dg-1", 10)
		if err != nil || rec.Pages != 2 || rec.Listed != 2 || rec.Receiver != "oncall" || rec.Channel != "#oncall" ||
			rec.Since.IsZero() || rec.Until.Before(rec.Since) || rec.Shown != nil {
			t.Fatalf("digest = %+v, %v", rec, err)
		}
		if len(pages) != 2 || pages[0].PageID != "p1-oncall" || pages[0].OutboxID != mine[0].ID || pages[0].Room != "room-p1" ||
			pages[0].Severity != alert.SeverityCritical || pages[0].CreatedAt.UnixMilli() != 1_700_000_000_000 {
			t.Errorf("pages = %+v", pages)
		}

		digest.Digest = &alert.Digest{Pages: 2}
		if err := s.SaveDigest(ctx, digest, "C1/123.456"); err != nil {
			t.Fatal(err)
		}
		list, err := s.Digests(ctx, 10)
		if err != nil || len(list) != 1 || list[0].Message != "C1/123.456" || list[0].Shown == nil || list[0].Shown.Digest.Pages != 2 {
			t.Fatalf("digests = %+v, %v", list, err)
		}
		if n, err := s.DigestCount(ctx); err != nil || n != 1 {
			t.Errorf("count = %d, %v", n, err)
		}

		if err := s.DeadLetterDigest(ctx, digest, "slack chat.postMessage: channel_not_found"); err != nil {
			t.Fatal(err)
		}
		dls, _ := s.DeadLetters(ctx, 10)
		if len(dls) != 1 || dls[0].Notification.Kind != alert.KindDigest || dls[0].Notification.Digest.Pages != 2 {
			t.Errorf("dead letters = %+v", dls)
		}
		if rec, _, _ := s.Digest(ctx, "dg-1", 1); rec.DeadLettered == "" {
			t.Error("the digest's record does not say it was dead-lettered")
		}

		for _, bad := range []string{"dg-2", "", "../x", "a b"} {
			if _, _, err := s.Digest(ctx, bad, 1); !errors.Is(err, alert.ErrDigestNotFound) {
				t.Errorf("digest %q: %v, want not found", bad, err)
			}
		}
		if _, err := s.Absorb(ctx, "a", alert.Notification{ID: "x y"}, mine); err == nil {
			t.Error("absorbed into a digest with a bad id")
		}
		if ttl := s.rdb.PTTL(ctx, Digests(s.layout.Global())).Val(); ttl <= 0 {
			t.Errorf("digest index TTL = %s", ttl)
		}
	})
}

// TestDigestsIndexIsCapped: the index keeps the newest MaxDigests.
func TestDigestsIndexIsCapped(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { rdb.Close() })
	s := newOutbox(t, rdb, "hook", 1)
	ctx := context.Background()
	for i := range MaxDigests + 3 {
		n := alert.Notification{ID: fmt.Sprintf("p%d", i), Kind: alert.KindFiring}
		b, _ := n.Marshal()
		rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.Key(), Values: []any{"n", b}})
		dels, _ := s.Read(ctx, "a", 1, time.Millisecond)
		if _, err := s.Absorb(ctx, "a", alert.Notification{ID: fmt.Sprintf("dg-%04d", i)}, dels); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.DigestCount(ctx); n != MaxDigests {
		t.Errorf("index holds %d digests, want %d", n, MaxDigests)
	}
}

// A flood brings hundreds of pages to absorb at once: all leave the outbox
// and are listed, in order, however many commands that takes.
func TestAbsorbManyPages(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := newOutbox(t, rdb, "hook", 1)
		const n = 1234
		pipe := rdb.Pipeline()
		for i := range n {
			b, _ := (&alert.Notification{ID: fmt.Sprint("p", i), Kind: alert.KindFiring, Rule: "rec"}).Marshal()
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: s.Key(), Values: []any{"n", b}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		dels, err := s.Read(ctx, "a", n, time.Millisecond)
		if err != nil || len(dels) != n {
			t.Fatalf("read %d, %v", len(dels), err)
		}
		ids, err := s.Absorb(ctx, "a", alert.Notification{ID: "dg-many", Kind: alert.KindDigest}, dels)
		if err != nil || len(ids) != n {
			t.Fatalf("absorbed %d, %v; want %d", len(ids), err, n)
		}
		if d, _ := s.Depth(ctx); d != 0 {
			t.Errorf("outbox holds %d pages, want none", d)
		}
		if st, _ := s.OutboxStats(ctx, time.Now()); st.Pending != 0 {
			t.Errorf("pending = %d, want none", st.Pending)
		}
		rec, pages, err := s.Digest(ctx, "dg-many", n)
		if err != nil || rec.Pages != n || rec.Listed != n || len(pages) != n || pages[n-1].PageID != fmt.Sprint("p", n-1) {
			t.Fatalf("digest = %+v (%d listed), %v", rec, len(pages), err)
		}
	})
}

// TestDigestRecordIsTheHash: every field the scripts and SaveDigest write
// into a digest's record is a field of record, and reads back into it.
func TestDigestRecordIsTheHash(t *testing.T) {
	redistest.Backends(t, func(t *testing.T, rdb redis.UniversalClient, _ func(time.Duration)) {
		ctx := context.Background()
		s := newOutbox(t, rdb, "hook", 1)
		if err := enqueue(ctx, s, "p1", "p2"); err != nil {
			t.Fatal(err)
		}
		dels, err := s.Read(ctx, "a", 10, time.Millisecond)
		if err != nil || len(dels) != 2 {
			t.Fatalf("read %d, %v", len(dels), err)
		}
		digest := alert.Notification{ID: "dg-1", Kind: alert.KindDigest,
			Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall"}}
		if _, err := s.Absorb(ctx, "a", digest, dels); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveDigest(ctx, digest, "C1/1.2"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeadLetterDigest(ctx, digest, "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		fields := map[string]bool{}
		rt := reflect.TypeFor[record]()
		for i := range rt.NumField() {
			fields[rt.Field(i).Tag.Get("redis")] = true
		}
		meta, _ := Digest(s.layout.Global(), digest.ID)
		m := rdb.HGetAll(ctx, meta).Val()
		for k := range m {
			if !fields[k] {
				t.Errorf("the digest's record has field %q, which record does not declare", k)
			}
		}
		if len(m) != len(fields) {
			t.Errorf("the record holds %v, want every field of record", m)
		}
		rec, _, err := s.Digest(ctx, digest.ID, 0)
		if err != nil || rec.Pages != 2 || rec.Channel != "#oncall" || rec.Message != "C1/1.2" || rec.DeadLettered != "channel_not_found" ||
			rec.Shown == nil || rec.Since.IsZero() || rec.Until.Before(rec.Since) {
			t.Errorf("digest read back as %+v, %v", rec, err)
		}
	})
}
