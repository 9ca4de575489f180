package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RoomTTL is how long a room's creation and dismissal are remembered: long
// enough to enrich the pages of a day-long live event.
const RoomTTL = 48 * time.Hour

// Room lifecycle fields.
const (
	RoomCreated   = "created"
	RoomDismissed = "dismissed"
)

// RecordRoom remembers when a room was created (callback 101) or dismissed
// (102): call-quality enrichment needs the creation time for TRTC's CommId,
// and asks for dismissal causes only once a room is dismissed.
func (s *Redis) RecordRoom(ctx context.Context, app, room, what string, at time.Time) error {
	key := s.layout.Global().Room(app, room)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, what, at.UnixMilli())
		p.PExpire(ctx, key, RoomTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: record room %s: %w", ErrUnavailable, what, err)
	}
	return nil
}

// Room returns when a room was created and whether it was dismissed, as far
// as hook saw; ok is false when hook saw neither.
func (s *Redis) Room(ctx context.Context, app, room string) (created time.Time, dismissed bool, ok bool, err error) {
	vals, err := s.rdb.HMGet(ctx, s.layout.Global().Room(app, room), RoomCreated, RoomDismissed).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false, false, nil
	}
	if err != nil {
		return time.Time{}, false, false, fmt.Errorf("%w: room: %w", ErrUnavailable, err)
	}
	if v, _ := vals[0].(string); v != "" {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			created = time.UnixMilli(ms).UTC()
			ok = true
		}
	}
	if v, _ := vals[1].(string); v != "" {
		dismissed, ok = true, true
	}
	return created, dismissed, ok, nil
}
