// Package ratelimit is the in-memory portal.Limiter: a token bucket per
// key with an injected clock, for one instance (SQLite, tests). Behind
// several instances on PostgreSQL the buckets are kept in the database
// instead (store.Limiter), so that every instance counts the same
// attempts.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/relais/relais/portal"
)

var _ portal.Limiter = (*Limiter)(nil)

// Limiter keeps the buckets in memory. It is safe for concurrent use.
type Limiter struct {
	clock   portal.Clock
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	shape  portal.Bucket
	tokens float64
	at     time.Time
}

// New returns an empty limiter on clock (the system clock when nil).
func New(clock portal.Clock) *Limiter {
	if clock == nil {
		clock = portal.SystemClock{}
	}
	return &Limiter{clock: clock, maxKeys: 100_000, buckets: map[string]*bucket{}}
}

// Take implements portal.Limiter; it returns EINVALID only.
func (l *Limiter) Take(_ context.Context, key string, b portal.Bucket, n int) (bool, time.Duration, error) {
	if err := portal.CheckTake(key, b, n); err != nil {
		return false, 0, err
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	bk := l.buckets[key]
	if bk == nil {
		if len(l.buckets) >= l.maxKeys {
			l.prune(now)
		}
		bk = &bucket{shape: b, tokens: float64(b.Burst), at: now}
		l.buckets[key] = bk
	}
	bk.shape = b
	refill(bk, now)
	need := float64(n)
	if bk.tokens < need {
		return false, portal.RetryAfter(time.Duration(math.Ceil((need - bk.tokens) * float64(b.Every)))), nil
	}
	bk.tokens = min(float64(b.Burst), bk.tokens-need)
	return true, 0, nil
}

func refill(b *bucket, now time.Time) {
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(float64(b.shape.Burst), b.tokens+float64(el)/float64(b.shape.Every))
		b.at = now
	}
}

// prune forgets full buckets (keys that behave; a full bucket is the same
// as none), and if that is not enough, every bucket: memory stays bounded
// under a scan from many addresses.
func (l *Limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if refill(b, now); b.tokens >= float64(b.shape.Burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.maxKeys {
		l.buckets = map[string]*bucket{}
	}
}
