package main

import "github.com/hookdev/hook/internal/keyspace"

// singleSlot is the layout of one partition under "hook", the tests' layout.
func singleSlot() keyspace.Layout {
	l, _ := keyspace.NewLayout("hook", 1) // one partition is always valid
	return l
}
