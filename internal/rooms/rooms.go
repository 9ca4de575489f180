// Package rooms remembers what hook saw of each room's life (created,
// dismissed) in Redis, for call-quality enrichment: it picks the room's call
// by its creation, asks for dismissal causes only once a room is dismissed,
// and times a room page's follow-up after the dismissal. The engine records
// (engine.RoomRecorder); the enricher reads. It is its own idea, neither alert
// state nor delivery: the records are per room, global, and no script
// touches them.
package rooms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/keyspace"
)

// Store keeps the room records under the global keyspace.
type Store struct {
	rdb  redis.UniversalClient
	keys keyspace.Keyspace
}

// New returns the room records of rdb, keyed under prefix.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, keys: keyspace.New(prefix)}
}

// key is what hook saw of a room's life, by the room's key ("s:12345" for a
// string room).
func (s *Store) key(app, roomKey string) string { return s.keys.Key("room", app, roomKey) }

// RoomTTL is how long a room's creation and dismissal are remembered: long
// enough to enrich the pages of a day-long live event.
const RoomTTL = 48 * time.Hour

// Room lifecycle fields.
const (
	RoomCreated   = "created"
	RoomDismissed = "dismissed"
)

// RecordRoom remembers when a room was created (callback 101) or dismissed
// (102): call-quality enrichment picks the room's call by its creation, asks
// for dismissal causes only once a room is dismissed, and times a room page's
// follow-up after the dismissal.
//
// roomKey is the callback's room key (callback.Event.RoomKey: "s:12345" for
// the string room "12345"), so a string room and the numeric room of the same
// digits keep separate records. A numeric room's key is its id, as the
// records hook kept before were keyed, so those still read; a string room's
// older record (keyed by its bare id, where a numeric twin's would be) is not
// read, and lapses within RoomTTL: its pages fall back to TRTC's
// DescribeRoomInfo alone.
func (s *Store) RecordRoom(ctx context.Context, app, roomKey, what string, at time.Time) error {
	key := s.key(app, roomKey)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, what, at.UnixMilli())
		p.PExpire(ctx, key, RoomTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: record room %s: %w", alert.ErrStoreUnavailable, what, err)
	}
	return nil
}

// Room returns when a room (by room key, see RecordRoom) was created and
// dismissed, as far as hook saw (zero: not seen); ok is false when hook saw
// neither.
func (s *Store) Room(ctx context.Context, app, roomKey string) (created, dismissed time.Time, ok bool, err error) {
	vals, err := s.rdb.HMGet(ctx, s.key(app, roomKey), RoomCreated, RoomDismissed).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("%w: room: %w", alert.ErrStoreUnavailable, err)
	}
	at := func(v any) time.Time {
		str, _ := v.(string)
		ms, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return time.Time{}
		}
		ok = true
		return time.UnixMilli(ms).UTC()
	}
	created, dismissed = at(vals[0]), at(vals[1])
	return created, dismissed, ok, nil
}
