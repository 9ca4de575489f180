package main

import (
	"sync"
	"time"
)

// testClock is a server's (or a dispatcher's) time, moved by the test: the
// tests that replay a night or wait out a follow-up set the time instead of
// sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// set moves the clock to t; never back, so that callbacks sent out of order
// cannot rewind the server's time.
func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
