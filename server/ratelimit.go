package server

import (
	"sync"
	"time"
)

// windowLimiter allows at most limit events per key in a fixed window. It
// is per instance: behind several instances the effective limit is
// multiplied by their number, which is acceptable for login throttling.
type windowLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	counts map[string]*windowCount
}

type windowCount struct {
	start time.Time
	n     int
}

func newWindowLimiter(limit int, window time.Duration, now func() time.Time) *windowLimiter {
	return &windowLimiter{limit: limit, window: window, now: now, counts: map[string]*windowCount{}}
}

// allow reports whether key is under its limit, without counting.
func (l *windowLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts[key]
	return c == nil || l.now().Sub(c.start) >= l.window || c.n < l.limit
}

// hit counts one event for key.
func (l *windowLimiter) hit(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.counts) > 100000 { // bound memory under a spray of keys
		for k, c := range l.counts {
			if now.Sub(c.start) >= l.window {
				delete(l.counts, k)
			}
		}
	}
	c := l.counts[key]
	if c == nil || now.Sub(c.start) >= l.window {
		c = &windowCount{start: now}
		l.counts[key] = c
	}
	c.n++
}
