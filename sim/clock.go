package sim

import (
	"sync/atomic"
	"time"
)

// Clock tells the time. Everything in a world that needs the time (internal
// dates, Received: fields, event times, retry schedules) asks one Clock, so
// that a world on a VirtualClock replays identically.
type Clock interface {
	Now() time.Time
}

// Epoch is the moment a default virtual clock starts at: Monday 2 March 2026,
// 09:00 in Madrid.
var Epoch = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.FixedZone("CET", 3600))

// VirtualClock is a Clock that moves only when told to. It is safe for
// concurrent use.
type VirtualClock struct {
	start   time.Time    // immutable
	elapsed atomic.Int64 // nanoseconds since start
}

// NewVirtualClock returns a clock standing at start.
func NewVirtualClock(start time.Time) *VirtualClock {
	return &VirtualClock{start: start}
}

// Now returns the clock's current time.
func (c *VirtualClock) Now() time.Time {
	return c.start.Add(time.Duration(c.elapsed.Load()))
}

// Advance moves the clock forward by d (never backwards).
func (c *VirtualClock) Advance(d time.Duration) {
	if d > 0 {
		c.elapsed.Add(int64(d))
	}
}

// advance moves the clock forward by d and returns the new time.
func (c *VirtualClock) advance(d time.Duration) time.Time {
	return c.start.Add(time.Duration(c.elapsed.Add(int64(d))))
}

// RealClock is the wall clock, for live mode.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }
