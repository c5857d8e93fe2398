package portal

import "time"

// Clock tells the time. Every component takes one so that tests can fix
// "now"; production uses SystemClock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FixedClock always returns T; tests move it by assigning T.
type FixedClock struct{ T time.Time }

// Now returns the fixed time.
func (c *FixedClock) Now() time.Time { return c.T }

// Advance moves the fixed clock forward.
func (c *FixedClock) Advance(d time.Duration) { c.T = c.T.Add(d) }

// Zone is the time zone "today" is reckoned in for the debtor and the
// law: France and Belgium share one (Europe/Paris; UTC when the system has
// no zone data).
func Zone() *time.Location { return zone }

var zone = func() *time.Location {
	if z, err := time.LoadLocation("Europe/Paris"); err == nil {
		return z
	}
	return time.UTC
}()
