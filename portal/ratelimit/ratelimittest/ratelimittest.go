// Package ratelimittest is the behaviour every portal.Limiter must have,
// run by the tests of the in-memory limiter and of the database one (on
// SQLite and PostgreSQL).
package ratelimittest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
)

// Start is the time the fixed clock of Run starts at.
var Start = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// Run checks the limiter open returns: a fresh one, on clock.
func Run(t *testing.T, open func(t *testing.T, clock *portal.FixedClock) portal.Limiter) {
	ctx := context.Background()
	shape := portal.Bucket{Burst: 3, Every: time.Minute}
	take := func(t *testing.T, l portal.Limiter, key string, b portal.Bucket, n int) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := l.Take(ctx, key, b, n)
		if err != nil {
			t.Fatalf("take %d from %s: %v", n, key, err)
		}
		return ok, wait
	}
	t.Run("BurstThenRefill", func(t *testing.T) {
		clock := &portal.FixedClock{T: Start}
		l := open(t, clock)
		key := portal.LimitKey("test", "1.2.3.4")
		for i := 0; i < 3; i++ {
			if ok, _ := take(t, l, key, shape, 1); !ok {
				t.Fatalf("attempt %d refused within the burst", i+1)
			}
		}
		if ok, wait := take(t, l, key, shape, 1); ok || wait != time.Minute {
			t.Fatalf("4th attempt: ok=%v wait=%v, want refused for 1m", ok, wait)
		}
		if ok, _ := take(t, l, portal.LimitKey("test", "5.6.7.8"), shape, 1); !ok {
			t.Fatal("another key is limited by the first one")
		}
		clock.Advance(30 * time.Second)
		if ok, wait := take(t, l, key, shape, 1); ok || wait != 30*time.Second {
			t.Fatalf("after 30s: ok=%v wait=%v, want refused for 30s", ok, wait)
		}
		clock.Advance(30 * time.Second)
		if ok, _ := take(t, l, key, shape, 1); !ok {
			t.Fatal("refused after a refill period")
		}
		if ok, _ := take(t, l, key, shape, 1); ok {
			t.Fatal("one refill allowed two attempts")
		}
		clock.Advance(time.Hour)
		for i := 0; i < 3; i++ {
			if ok, _ := take(t, l, key, shape, 1); !ok {
				t.Fatalf("after an hour attempt %d refused: the bucket did not refill to the burst", i+1)
			}
		}
		if ok, _ := take(t, l, key, shape, 1); ok {
			t.Fatal("bucket refilled beyond the burst")
		}
	})
	t.Run("WaitRoundsUp", func(t *testing.T) {
		clock := &portal.FixedClock{T: Start}
		l := open(t, clock)
		b := portal.Bucket{Burst: 1, Every: 10 * time.Second}
		key := portal.LimitKey("test", "round")
		take(t, l, key, b, 1)
		clock.Advance(2500 * time.Millisecond)
		if ok, wait := take(t, l, key, b, 1); ok || wait != 8*time.Second {
			t.Fatalf("7.5 s to go: ok=%v wait=%v, want refused for 8s", ok, wait)
		}
	})
	t.Run("GiveBack", func(t *testing.T) {
		clock := &portal.FixedClock{T: Start}
		l := open(t, clock)
		key := portal.LimitKey("test", "give")
		for i := 0; i < 3; i++ {
			take(t, l, key, shape, 1)
		}
		if ok, _ := take(t, l, key, shape, -1); !ok {
			t.Fatal("giving back refused")
		}
		if ok, _ := take(t, l, key, shape, 1); !ok {
			t.Fatal("the token given back cannot be taken")
		}
		// Never above the burst.
		for i := 0; i < 10; i++ {
			take(t, l, key, shape, -1)
		}
		for i := 0; i < 3; i++ {
			if ok, _ := take(t, l, key, shape, 1); !ok {
				t.Fatalf("attempt %d after giving back: refused", i+1)
			}
		}
		if ok, _ := take(t, l, key, shape, 1); ok {
			t.Fatal("giving back filled the bucket beyond its burst")
		}
	})
	t.Run("TakeSeveral", func(t *testing.T) {
		clock := &portal.FixedClock{T: Start}
		l := open(t, clock)
		b := portal.Bucket{Burst: 2, Every: 30 * time.Second}
		key := portal.LimitKey("test", "two")
		if ok, _ := take(t, l, key, b, 2); !ok {
			t.Fatal("a full bucket of 2 refuses 2")
		}
		clock.Advance(30 * time.Second)
		if ok, wait := take(t, l, key, b, 2); ok || wait != 30*time.Second {
			t.Fatalf("1 of 2: ok=%v wait=%v, want refused for 30s", ok, wait)
		}
		if ok, _ := take(t, l, key, b, 1); !ok {
			t.Fatal("the refused take of 2 took the token")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		l := open(t, &portal.FixedClock{T: Start})
		for name, call := range map[string]func() error{
			"EmptyKey": func() error { _, _, err := l.Take(ctx, "", shape, 1); return err },
			"LongKey": func() error {
				_, _, err := l.Take(ctx, strings.Repeat("k", portal.MaxLimitKey+1), shape, 1)
				return err
			},
			"NoRefill":  func() error { _, _, err := l.Take(ctx, "k", portal.Bucket{Burst: 1}, 1); return err },
			"OverBurst": func() error { _, _, err := l.Take(ctx, "k", shape, 4); return err },
		} {
			if code := portal.ErrorCode(call()); code != portal.EINVALID {
				t.Errorf("%s: code %q, want %q", name, code, portal.EINVALID)
			}
		}
	})
}
