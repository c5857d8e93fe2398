package ratelimit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ratelimit"
	"github.com/relais/relais/portal/ratelimit/ratelimittest"
)

func TestLimiter(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, clock *portal.FixedClock) portal.Limiter { return ratelimit.New(clock) })
}

// TestLimiterBounded: a spray of keys does not grow the map without end;
// full buckets are forgotten first.
func TestLimiterBounded(t *testing.T) {
	clock := &portal.FixedClock{T: ratelimittest.Start}
	l := ratelimit.New(clock)
	l.SetMaxKeys(100)
	b := portal.Bucket{Burst: 2, Every: time.Minute}
	for i := 0; i < 1000; i++ {
		if _, _, err := l.Take(context.Background(), fmt.Sprintf("k%d", i), b, 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("%d buckets kept, want at most 100", n)
	}
}
