package state

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/silence"
)

// wired is the state store with the outbox it enqueues into and the
// silences it checks, on its Redis and layout, as hook serve wires them:
// the state's tests read what the fire script paged from the outbox.
type wired struct {
	*Redis
	*outbox.Outbox
	*silence.Store
}

func wire(s *Redis) *wired {
	return &wired{Redis: s, Outbox: outbox.New(s.rdb, s.layout, outbox.Options{Poll: time.Millisecond}),
		Store: silence.New(s.rdb, s.layout)}
}

// wireNew is NewPartitioned, wired.
func wireNew(rdb redis.UniversalClient, prefix string, opts Options) (*wired, error) {
	s, err := NewPartitioned(rdb, prefix, opts)
	if err != nil {
		return nil, err
	}
	return wire(s), nil
}

// fire fires a plain page alert with dedup key and id key.
func fire(t *testing.T, s *wired, key string) {
	t.Helper()
	if _, err := s.Fire(context.Background(), time.Now(), []alert.Alert{plain("r", key, key)}); err != nil {
		t.Fatal(err)
	}
}

// onePage drains s's outbox, failing the test unless it held exactly one
// page: the one a threshold or group sent.
func onePage(t *testing.T, s *wired) alert.Notification {
	t.Helper()
	pages, err := s.Drain(context.Background())
	if err != nil || len(pages) != 1 {
		t.Fatalf("%d pages, %v; want 1", len(pages), err)
	}
	return pages[0]
}

// tickedPage ticks s at now and returns the one page that sent (a group's
// flush, a threshold's wait ending).
func tickedPage(t *testing.T, s *wired, now time.Time) alert.Notification {
	t.Helper()
	if _, err := s.Tick(context.Background(), now, 100); err != nil {
		t.Fatal(err)
	}
	return onePage(t, s)
}
