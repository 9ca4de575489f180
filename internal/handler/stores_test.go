package handler

import (
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/keyspace"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/silence"
)

// singleSlot is the layout of one partition under "hook", the tests' layout.
func singleSlot() keyspace.Layout {
	l, _ := keyspace.NewLayout("hook", 1) // one partition is always valid
	return l
}

func newOutbox(rdb redis.UniversalClient) *outbox.Outbox {
	return outbox.New(rdb, singleSlot(), outbox.Options{})
}

func newSilences(rdb redis.UniversalClient) *silence.Store { return silence.New(rdb, singleSlot()) }
