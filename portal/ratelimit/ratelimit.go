// Package ratelimit is a small in-process limiter of attempts per key (a
// client IP), a token bucket per key with an injected clock. It guards the
// portal against token guessing; each instance limits on its own, which
// is enough when tokens have 128 bits: the limit only has to make
// scanning noisy and slow, not impossible.
package ratelimit

import (
	"sync"
	"time"

	"github.com/relais/relais/portal"
)

// Limiter allows Burst attempts per key at once, refilled at one attempt
// per Every. It is safe for concurrent use.
type Limiter struct {
	burst   float64
	every   time.Duration
	clock   portal.Clock
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter of burst attempts refilled one per every.
func New(burst int, every time.Duration, clock portal.Clock) *Limiter {
	if clock == nil {
		clock = portal.SystemClock{}
	}
	return &Limiter{burst: float64(burst), every: every, clock: clock, maxKeys: 100_000, buckets: map[string]*bucket{}}
}

// Allow takes one attempt for key. When none is left it returns false and
// how long until the next one.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(l.every))
	if wait < time.Second {
		wait = time.Second
	}
	return false, wait.Round(time.Second)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	if el := now.Sub(b.at); el > 0 {
		b.tokens += float64(el) / float64(l.every)
		if b.tokens > l.burst {
			b.tokens = l.burst
		}
	}
	b.at = now
}

// prune forgets full buckets (keys that behave), and if that is not
// enough, every bucket: memory stays bounded under a scan from many IPs.
func (l *Limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.maxKeys {
		l.buckets = map[string]*bucket{}
	}
}
